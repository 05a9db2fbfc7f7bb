package io.moeplatform.adapters.catalog;

import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditLog;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The adapters of each tenant, of every kind: create, list, find, enable/disable, tenant default, delete. Every
 * change is audited in the same transaction. Every method takes the tenant, and every query is scoped by it, so a
 * caller can never reach another tenant's adapter, even by id.
 *
 * <p>Kind-specific data hangs off {@code adapter(id)} in its own tables (knowledge-graph versions here; LoRA weights
 * in the LoRA module's table); deleting an adapter deletes them by cascade and publishes {@link AdapterChanged}.
 */
@Service
public class AdapterCatalog {

    private static final String SELECT = """
            SELECT a.id, a.tenant_id, a.name, a.kind, a.base_model, a.enabled, a.created_at, a.updated_at,
                   (d.adapter_id IS NOT NULL) AS tenant_default
            FROM adapter a LEFT JOIN tenant_default_adapter d ON d.tenant_id = a.tenant_id AND d.adapter_id = a.id
            """;

    private final JdbcClient jdbc;
    private final AuditLog audit;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    AdapterCatalog(JdbcClient jdbc, AuditLog audit, Clock clock, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.audit = audit;
        this.clock = clock;
        this.events = events;
    }

    /** @throws AdapterException INVALID for a bad name, CONFLICT when the tenant already has an adapter of that name */
    @Transactional
    public AdapterView create(UUID tenantId, NewAdapter adapter, String actor) {
        String name = AdapterNames.checked(adapter.name());
        if (adapter.baseModel() != null && adapter.baseModel().isBlank()) {
            throw AdapterException.invalid("base_model must name a served model, or be left out for any model.",
                    "base_model");
        }
        var id = UUID.randomUUID();
        var now = now();
        try {
            jdbc.sql("""
                    INSERT INTO adapter (id, tenant_id, name, kind, base_model, enabled, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                    .params(id, tenantId, name, adapter.kind().name(), adapter.baseModel(), adapter.enabled(), now,
                            now)
                    .update();
        } catch (DuplicateKeyException e) {
            throw new AdapterException(AdapterException.Reason.CONFLICT,
                    "An adapter named '" + name + "' already exists for this tenant; choose another name.", "name");
        } catch (DataIntegrityViolationException e) {
            throw new AdapterException(AdapterException.Reason.NOT_FOUND, "Tenant " + tenantId + " does not exist.",
                    null);
        }
        var details = new LinkedHashMap<String, Object>();
        details.put("kind", adapter.kind().name());
        details.put("baseModel", adapter.baseModel() == null ? "*" : adapter.baseModel());
        details.put("enabled", adapter.enabled());
        audit.append(actor, AuditAction.ADAPTER_CREATED, tenantId, name, details);
        return get(tenantId, name);
    }

    @Transactional(readOnly = true)
    public List<AdapterView> list(UUID tenantId) {
        return jdbc.sql(SELECT + " WHERE a.tenant_id = ? ORDER BY a.name").param(tenantId)
                .query(AdapterCatalog::row).list();
    }

    @Transactional(readOnly = true)
    public Optional<AdapterView> find(UUID tenantId, String name) {
        return jdbc.sql(SELECT + " WHERE a.tenant_id = ? AND a.name = ?").params(tenantId, name)
                .query(AdapterCatalog::row).optional();
    }

    /** @throws AdapterException NOT_FOUND when the tenant has no adapter of that name */
    @Transactional(readOnly = true)
    public AdapterView get(UUID tenantId, String name) {
        return find(tenantId, name).orElseThrow(() -> AdapterException.notFound(name));
    }

    @Transactional(readOnly = true)
    public Optional<AdapterView> defaultAdapter(UUID tenantId) {
        return jdbc.sql(SELECT + " WHERE a.tenant_id = ? AND d.adapter_id IS NOT NULL").param(tenantId)
                .query(AdapterCatalog::row).optional();
    }

    @Transactional
    public AdapterView setEnabled(UUID tenantId, String name, boolean enabled, String actor) {
        var adapter = get(tenantId, name);
        if (adapter.enabled() == enabled) {
            return adapter;
        }
        jdbc.sql("UPDATE adapter SET enabled = ?, updated_at = ? WHERE id = ? AND tenant_id = ?")
                .params(enabled, now(), adapter.id(), tenantId).update();
        audit.append(actor, enabled ? AuditAction.ADAPTER_ENABLED : AuditAction.ADAPTER_DISABLED, tenantId, name,
                Map.of());
        events.publishEvent(new AdapterChanged(tenantId, adapter.id(), name,
                enabled ? AdapterChanged.Change.ENABLED : AdapterChanged.Change.DISABLED));
        return get(tenantId, name);
    }

    /** Makes the adapter the one requests of the tenant use when they name none. */
    @Transactional
    public AdapterView setDefault(UUID tenantId, String name, String actor) {
        var adapter = get(tenantId, name);
        var now = now();
        int updated = jdbc.sql("UPDATE tenant_default_adapter SET adapter_id = ?, updated_at = ? WHERE tenant_id = ?")
                .params(adapter.id(), now, tenantId).update();
        if (updated == 0) {
            jdbc.sql("INSERT INTO tenant_default_adapter (tenant_id, adapter_id, updated_at) VALUES (?, ?, ?)")
                    .params(tenantId, adapter.id(), now).update();
        }
        audit.append(actor, AuditAction.ADAPTER_DEFAULT_SET, tenantId, name, Map.of());
        return get(tenantId, name);
    }

    /** @return whether the tenant had a default adapter */
    @Transactional
    public boolean clearDefault(UUID tenantId, String actor) {
        var current = defaultAdapter(tenantId);
        if (current.isEmpty()) {
            return false;
        }
        jdbc.sql("DELETE FROM tenant_default_adapter WHERE tenant_id = ?").param(tenantId).update();
        audit.append(actor, AuditAction.ADAPTER_DEFAULT_CLEARED, tenantId, current.get().name(), Map.of());
        return true;
    }

    /** Deletes the adapter with everything of its kind (graph versions, weights metadata) and its default mark. */
    @Transactional
    public void delete(UUID tenantId, String name, String actor) {
        var adapter = get(tenantId, name);
        jdbc.sql("DELETE FROM adapter WHERE id = ? AND tenant_id = ?").params(adapter.id(), tenantId).update();
        audit.append(actor, AuditAction.ADAPTER_DELETED, tenantId, name, Map.of("kind", adapter.kind().name()));
        events.publishEvent(new AdapterChanged(tenantId, adapter.id(), name, AdapterChanged.Change.DELETED));
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }

    private static AdapterView row(ResultSet rs, int rowNum) throws SQLException {
        @Nullable
        String baseModel = rs.getString("base_model");
        return new AdapterView(rs.getObject("id", UUID.class), rs.getObject("tenant_id", UUID.class),
                rs.getString("name"), AdapterKind.valueOf(rs.getString("kind")), baseModel,
                rs.getBoolean("enabled"), rs.getBoolean("tenant_default"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                rs.getObject("updated_at", OffsetDateTime.class).toInstant());
    }
}
