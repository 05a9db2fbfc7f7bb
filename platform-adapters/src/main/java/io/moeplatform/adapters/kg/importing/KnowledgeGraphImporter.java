package io.moeplatform.adapters.kg.importing;

import io.moeplatform.adapters.catalog.AdapterCatalog;
import io.moeplatform.adapters.catalog.AdapterChanged;
import io.moeplatform.adapters.catalog.AdapterException;
import io.moeplatform.adapters.catalog.AdapterKind;
import io.moeplatform.adapters.catalog.AdapterView;
import io.moeplatform.adapters.kg.KnowledgeGraphProperties;
import io.moeplatform.adapters.kg.store.KgVersionView;
import io.moeplatform.adapters.kg.store.KnowledgeGraphStore;
import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditLog;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Imports a knowledge graph into a new version of a tenant's adapter, all or nothing. The version is recorded as
 * IMPORTING first (committed on its own); the parse streams into batched inserts inside one transaction that,
 * when everything is valid, also makes the version READY and retires the previous one. Until that commit the
 * previous version keeps serving; after it, {@link AdapterChanged} drops the old index. On any problem the
 * transaction rolls back (no rows of the version remain) and the version is recorded as FAILED with the problems.
 */
@Service
public class KnowledgeGraphImporter {

    private static final Logger log = LoggerFactory.getLogger(KnowledgeGraphImporter.class);

    private final AdapterCatalog catalog;
    private final KnowledgeGraphStore store;
    private final KnowledgeGraphProperties properties;
    private final AuditLog audit;
    private final ApplicationEventPublisher events;
    private final TransactionTemplate transaction;

    KnowledgeGraphImporter(AdapterCatalog catalog, KnowledgeGraphStore store, KnowledgeGraphProperties properties,
            AuditLog audit, ApplicationEventPublisher events, PlatformTransactionManager transactions) {
        this.catalog = catalog;
        this.store = store;
        this.properties = properties;
        this.audit = audit;
        this.events = events;
        this.transaction = new TransactionTemplate(transactions);
    }

    /**
     * @throws AdapterException NOT_FOUND for an unknown adapter, INVALID when it is not a knowledge-graph adapter
     * @throws GraphImportException when the file is refused; the version is then FAILED and nothing else changed
     */
    public KgVersionView importGraph(UUID tenantId, String adapterName, GraphFormat format, InputStream source,
            String actor) {
        AdapterView adapter = catalog.get(tenantId, adapterName);
        if (adapter.kind() != AdapterKind.KNOWLEDGE_GRAPH) {
            throw AdapterException.invalid("The adapter '" + adapterName + "' is a " + adapter.kind()
                    + " adapter; knowledge graphs can only be imported into KNOWLEDGE_GRAPH adapters.", "adapter");
        }
        KgVersionView version = store.startVersion(adapter.id(), format.parameter(), actor);
        long start = System.nanoTime();
        try {
            transaction.executeWithoutResult(status -> {
                var problems = new ImportProblems();
                var writer = new GraphWriter(store, version.id(), properties.maxEntities(),
                        properties.maxRelations(), problems);
                GraphParser.of(format).parse(new LimitedInputStream(source,
                        properties.maxUploadSize().toBytes()), writer, problems);
                writer.finish();
                store.publish(version.id(), adapter.id(), writer.entities(), writer.relations());
                var details = new LinkedHashMap<String, Object>();
                details.put("version", version.version());
                details.put("format", format.parameter());
                details.put("entities", writer.entities());
                details.put("relations", writer.relations());
                audit.append(actor, AuditAction.KNOWLEDGE_GRAPH_IMPORTED, tenantId, adapterName, details);
                events.publishEvent(new AdapterChanged(tenantId, adapter.id(), adapterName,
                        AdapterChanged.Change.NEW_VERSION));
            });
        } catch (GraphImportException refused) {
            fail(tenantId, adapterName, version, refused.getMessage(), actor);
            throw refused;
        } catch (RuntimeException error) {
            fail(tenantId, adapterName, version, "The import failed: " + error.getMessage(), actor);
            throw error;
        }
        KgVersionView ready = store.version(version.id()).orElseThrow();
        log.info("Imported knowledge graph {} v{} of tenant {}: {} entities, {} relations in {} ms", adapterName,
                ready.version(), tenantId, ready.entities(), ready.relations(),
                (System.nanoTime() - start) / 1_000_000);
        return ready;
    }

    private void fail(UUID tenantId, String adapterName, KgVersionView version, String error, String actor) {
        store.markFailed(version.id(), error);
        transaction.executeWithoutResult(status -> audit.append(actor, AuditAction.KNOWLEDGE_GRAPH_IMPORT_FAILED,
                tenantId, adapterName, new LinkedHashMap<>(java.util.Map.of("version", version.version(), "error",
                        error.length() > 1000 ? error.substring(0, 1000) : error))));
    }

    /** Every import of the adapter, newest first (the active one marked). */
    public List<KgVersionView> versions(UUID tenantId, String adapterName) {
        return store.versions(catalog.get(tenantId, adapterName).id());
    }
}
