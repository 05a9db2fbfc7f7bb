package io.moeplatform.adapters.lora;

import io.moeplatform.adapters.catalog.AdapterCatalog;
import io.moeplatform.adapters.catalog.AdapterChanged;
import io.moeplatform.adapters.catalog.AdapterException;
import io.moeplatform.adapters.catalog.AdapterKind;
import io.moeplatform.adapters.catalog.AdapterView;
import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditLog;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.InvalidLoraAdapterException;
import io.moeplatform.inference.LoraAdapterInfo;
import io.moeplatform.inference.ModelInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.event.TransactionPhase;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The LoRA weights of a tenant's adapters: upload (all or nothing), the serving version and its stats, and the
 * files' removal with the adapter.
 *
 * <p>An upload is unpacked into a staging directory and validated by the engine against the served model before
 * anything is stored; then, in one transaction that holds the adapter's row, it gets the next version number, its
 * row, and its directory by one atomic rename. Any failure leaves no row and no directory. The newest version
 * serves; the previous one is kept (so a replica that resolved it a moment before can still load it), older ones are
 * deleted.
 */
@Service
public class LoraAdapterRegistry {

    private static final Logger log = LoggerFactory.getLogger(LoraAdapterRegistry.class);
    private static final String UNPACKED = "adapter";

    private final AdapterCatalog catalog;
    private final LoraVersionStore store;
    private final LoraFiles files;
    private final LoraAdapterProperties properties;
    private final InferenceService inference;
    private final AuditLog audit;
    private final ApplicationEventPublisher events;
    private final TransactionTemplate transaction;
    private final Clock clock;

    LoraAdapterRegistry(AdapterCatalog catalog, LoraVersionStore store, LoraFiles files,
            LoraAdapterProperties properties, InferenceService inference, AuditLog audit,
            ApplicationEventPublisher events, PlatformTransactionManager transactions, Clock clock) {
        this.catalog = catalog;
        this.store = store;
        this.files = files;
        this.properties = properties;
        this.inference = inference;
        this.audit = audit;
        this.events = events;
        this.transaction = new TransactionTemplate(transactions);
        this.clock = clock;
    }

    /**
     * Stores a zipped PEFT adapter as the next version of a LORA adapter.
     *
     * @param model the served model to validate against; null means the adapter's base model, else the only
     *     served model
     * @throws AdapterException NOT_FOUND for an unknown adapter; INVALID for an adapter of another kind, a model
     *     other than the adapter's base model, a file that is not a zip or lacks a file, or weights that do not fit
     *     the model (the message names the field or tensor)
     * @throws LoraUploadTooLargeException above {@code platform.adapters.lora.max-upload-size}
     * @throws io.moeplatform.inference.ModelNotFoundException when {@code model} is not served
     */
    public LoraVersion upload(UUID tenantId, String adapterName, @Nullable String model, InputStream zip,
            String actor) {
        AdapterView adapter = loraAdapter(tenantId, adapterName);
        String baseModel = baseModel(adapter, model);
        long limit = properties.maxUploadSize().toBytes();
        Path staging = null;
        Path[] installed = new Path[1];
        try {
            staging = files.newStagingDirectory();
            Path unpacked = Files.createDirectory(staging.resolve(UNPACKED));
            Path zipFile = staging.resolve("upload.zip");
            PeftArchive.receive(zip, zipFile, limit);
            PeftArchive.Unpacked sizes = PeftArchive.unpack(zipFile, unpacked, limit);
            LoraAdapterInfo info = validate(baseModel, unpacked);
            Stored stored = transaction.execute(status -> store(adapter, baseModel, info, sizes, unpacked, actor,
                    installed));
            stored.retired().forEach(old -> LoraFiles.deleteQuietly(
                    files.versionDirectory(tenantId, adapter.id(), old.version())));
            log.info("Stored LoRA adapter {} v{} of tenant {} for {}: r={}, {} projections, {} bytes", adapterName,
                    stored.version().version(), tenantId, baseModel, info.rank(), info.adaptedProjections(),
                    sizes.sizeBytes());
            return stored.version();
        } catch (IOException e) {
            LoraFiles.deleteQuietly(installed[0]);
            throw new UncheckedIOException("Storing the LoRA adapter upload failed", e);
        } catch (RuntimeException e) {
            LoraFiles.deleteQuietly(installed[0]);
            throw e;
        } finally {
            LoraFiles.deleteQuietly(staging);
        }
    }

    private record Stored(LoraVersion version, List<LoraVersion> retired) {}

    private Stored store(AdapterView adapter, String baseModel, LoraAdapterInfo info, PeftArchive.Unpacked sizes,
            Path unpacked, String actor, Path[] installed) {
        if (!store.lockAdapter(adapter.id())) {
            throw AdapterException.notFound(adapter.name());
        }
        int next = store.nextVersion(adapter.id());
        var version = new LoraVersion(UUID.randomUUID(), adapter.id(), next, baseModel, info.rank(), info.alpha(),
                info.rsLora(), info.targetModules(), info.adaptedProjections(), sizes.sizeBytes(), info.bytes(),
                sizes.weightsSha256(), actor, clock.instant().truncatedTo(ChronoUnit.MICROS)); // as the database keeps it
        store.insert(version);
        Path target = files.versionDirectory(adapter.tenantId(), adapter.id(), next);
        try {
            files.install(unpacked, target);
        } catch (IOException e) {
            throw new UncheckedIOException("Installing " + target + " failed", e);
        }
        installed[0] = target;
        List<LoraVersion> retired = store.deleteOlderThan(adapter.id(), next - 1);
        var details = new LinkedHashMap<String, Object>();
        details.put("version", next);
        details.put("baseModel", baseModel);
        details.put("rank", info.rank());
        details.put("targetModules", info.targetModules());
        details.put("sizeBytes", sizes.sizeBytes());
        details.put("sha256", sizes.weightsSha256());
        audit.append(actor, AuditAction.LORA_ADAPTER_UPLOADED, adapter.tenantId(), adapter.name(), details);
        events.publishEvent(new AdapterChanged(adapter.tenantId(), adapter.id(), adapter.name(),
                AdapterChanged.Change.NEW_VERSION));
        return new Stored(version, retired);
    }

    private LoraAdapterInfo validate(String model, Path directory) {
        try {
            return inference.validateLoraAdapter(model, directory);
        } catch (InvalidLoraAdapterException e) {
            throw AdapterException.invalid("The LoRA adapter does not fit the model '" + model + "': "
                    + e.getMessage(), e.field() == null ? "file" : e.field());
        }
    }

    private String baseModel(AdapterView adapter, @Nullable String requested) {
        if (adapter.baseModel() != null) {
            if (requested != null && !requested.equals(adapter.baseModel())) {
                throw AdapterException.invalid("The adapter '" + adapter.name() + "' is made for the model '"
                        + adapter.baseModel() + "', not '" + requested + "'.", "model");
            }
            return adapter.baseModel();
        }
        if (requested != null) {
            return requested;
        }
        List<String> served = inference.models().stream().map(ModelInfo::id).toList();
        if (served.size() != 1) {
            throw AdapterException.invalid("Name the model the adapter is for (?model=), one of " + served + ".",
                    "model");
        }
        return served.getFirst();
    }

    /** {@code platform.adapters.lora.max-upload-size} in bytes. */
    public long maxUploadBytes() {
        return properties.maxUploadSize().toBytes();
    }

    /** The serving version of a LORA adapter, if weights were uploaded. */
    public Optional<LoraVersion> current(UUID tenantId, String adapterName) {
        return store.latest(loraAdapter(tenantId, adapterName).id());
    }

    /** The serving version of an adapter of the caller's catalog (empty for other kinds or before an upload). */
    public Optional<LoraVersion> current(AdapterView adapter) {
        return adapter.kind() == AdapterKind.LORA ? store.latest(adapter.id()) : Optional.empty();
    }

    /** The stored versions, newest (serving) first. */
    public List<LoraVersion> versions(UUID tenantId, String adapterName) {
        return store.versions(loraAdapter(tenantId, adapterName).id());
    }

    /** The directory of a stored version (where the engine reads it from). */
    public Path directory(UUID tenantId, LoraVersion version) {
        return files.versionDirectory(tenantId, version.adapterId(), version.version());
    }

    private AdapterView loraAdapter(UUID tenantId, String adapterName) {
        AdapterView adapter = catalog.get(tenantId, adapterName);
        if (adapter.kind() != AdapterKind.LORA) {
            throw AdapterException.invalid("The adapter '" + adapterName + "' is a " + adapter.kind()
                    + " adapter; LoRA weights can only be uploaded to LORA adapters.", "adapter");
        }
        return adapter;
    }

    /** A deleted adapter's files go once the deletion committed (its rows went by cascade). */
    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMMIT, fallbackExecution = true)
    void on(AdapterChanged change) {
        if (change.change() == AdapterChanged.Change.DELETED) {
            LoraFiles.deleteQuietly(files.adapterDirectory(change.tenantId(), change.adapterId()));
        }
    }
}
