package io.moeplatform.core.tenant;

import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditLog;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Tenants and plans in the {@code tenant} table; every change is audited. */
@Service
public class TenantDirectory implements TenantService {

    static final String COLUMNS = "id, name, status, tokens_per_day, tokens_per_month, requests_per_minute,"
            + " max_concurrent_requests, max_tokens_per_request, allowed_models, scheduling_weight, created_at";

    private final JdbcClient jdbc;
    private final AuditLog audit;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    TenantDirectory(JdbcClient jdbc, AuditLog audit, Clock clock, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.audit = audit;
        this.clock = clock;
        this.events = events;
    }

    @Override
    @Transactional
    public TenantView create(String name, TenantPlan plan, String actor) {
        validateName(name);
        validate(plan);
        var id = UUID.randomUUID();
        var now = now();
        try {
            jdbc.sql("INSERT INTO tenant (" + COLUMNS + ", updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                    .params(id, name, TenantStatus.ACTIVE.name(), plan.tokensPerDay(), plan.tokensPerMonth(),
                            plan.requestsPerMinute(), plan.maxConcurrentRequests(), plan.maxTokensPerRequest(),
                            joinModels(plan.allowedModels()), plan.schedulingWeight(), now, now)
                    .update();
        } catch (DuplicateKeyException e) {
            throw new IllegalArgumentException("A tenant named '" + name + "' already exists; choose another name.");
        }
        audit.append(actor, AuditAction.TENANT_CREATED, id, name, planDetails(plan));
        return find(id).orElseThrow();
    }

    @Override
    @Transactional(readOnly = true)
    public Optional<TenantView> find(UUID tenantId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM tenant WHERE id = ?").param(tenantId)
                .query(TenantDirectory::row).optional();
    }

    @Override
    @Transactional(readOnly = true)
    public Optional<TenantView> findByName(String name) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM tenant WHERE name = ?").param(name)
                .query(TenantDirectory::row).optional();
    }

    @Override
    @Transactional(readOnly = true)
    public List<TenantView> list() {
        return jdbc.sql("SELECT " + COLUMNS + " FROM tenant ORDER BY name").query(TenantDirectory::row).list();
    }

    @Override
    @Transactional(readOnly = true)
    public TenantPage search(String nameContains, int page, int size) {
        if (page < 0 || size < 1 || size > 200) {
            throw new IllegalArgumentException("Page must be 0 or more and size between 1 and 200, were " + page
                    + " and " + size + ".");
        }
        // LIKE wildcards in the search text are matched literally
        var pattern = "%" + nameContains.strip().toLowerCase(Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%")
                .replace("_", "\\_") + "%";
        long total = jdbc.sql("SELECT COUNT(*) FROM tenant WHERE LOWER(name) LIKE ? ESCAPE '\\'").param(pattern)
                .query(Long.class).single();
        var tenants = jdbc.sql("SELECT " + COLUMNS + " FROM tenant WHERE LOWER(name) LIKE ? ESCAPE '\\'"
                + " ORDER BY name LIMIT ? OFFSET ?").params(pattern, size, (long) page * size)
                .query(TenantDirectory::row).list();
        return new TenantPage(tenants, page, size, total);
    }

    @Override
    @Transactional
    public TenantView updatePlan(UUID tenantId, TenantPlan plan, String actor) {
        validate(plan);
        int updated = jdbc.sql("""
                UPDATE tenant SET tokens_per_day = ?, tokens_per_month = ?, requests_per_minute = ?,
                    max_concurrent_requests = ?, max_tokens_per_request = ?, allowed_models = ?,
                    scheduling_weight = ?, updated_at = ?
                WHERE id = ?""")
                .params(plan.tokensPerDay(), plan.tokensPerMonth(), plan.requestsPerMinute(),
                        plan.maxConcurrentRequests(), plan.maxTokensPerRequest(), joinModels(plan.allowedModels()),
                        plan.schedulingWeight(), now(), tenantId)
                .update();
        var tenant = require(tenantId, updated);
        audit.append(actor, AuditAction.TENANT_PLAN_UPDATED, tenantId, tenant.name(), planDetails(plan));
        return tenant;
    }

    @Override
    @Transactional
    public TenantView suspend(UUID tenantId, String actor) {
        var tenant = setStatus(tenantId, TenantStatus.SUSPENDED);
        audit.append(actor, AuditAction.TENANT_SUSPENDED, tenantId, tenant.name(), Map.of());
        events.publishEvent(new TenantStatusChanged(tenantId, TenantStatus.SUSPENDED));
        return tenant;
    }

    @Override
    @Transactional
    public TenantView resume(UUID tenantId, String actor) {
        var tenant = setStatus(tenantId, TenantStatus.ACTIVE);
        audit.append(actor, AuditAction.TENANT_RESUMED, tenantId, tenant.name(), Map.of());
        events.publishEvent(new TenantStatusChanged(tenantId, TenantStatus.ACTIVE));
        return tenant;
    }

    private TenantView setStatus(UUID tenantId, TenantStatus status) {
        int updated = jdbc.sql("UPDATE tenant SET status = ?, updated_at = ? WHERE id = ?")
                .params(status.name(), now(), tenantId).update();
        return require(tenantId, updated);
    }

    private TenantView require(UUID tenantId, int updated) {
        if (updated == 0) {
            throw new IllegalArgumentException("No tenant with id " + tenantId);
        }
        return find(tenantId).orElseThrow();
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }

    private static void validateName(String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw new IllegalArgumentException("Tenant name '" + name
                    + "' is invalid: use 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }
    }

    static void validate(TenantPlan plan) {
        if (plan.tokensPerDay() < 0 || plan.tokensPerMonth() < 0 || plan.requestsPerMinute() < 0
                || plan.maxConcurrentRequests() < 0 || plan.maxTokensPerRequest() < 0) {
            throw new IllegalArgumentException("Plan limits must be 0 (no limit) or positive: " + plan);
        }
        if (plan.schedulingWeight() < 1) {
            throw new IllegalArgumentException("Plan scheduling weight must be at least 1, was "
                    + plan.schedulingWeight());
        }
        for (var model : plan.allowedModels()) {
            if (model.isBlank() || model.contains(",")) {
                throw new IllegalArgumentException("Allowed model names must be non-blank and contain no comma: '"
                        + model + "'");
            }
        }
    }

    private static String joinModels(Set<String> models) {
        return String.join(",", new TreeSet<>(models));
    }

    static Set<String> splitModels(String models) {
        return models.isEmpty()
                ? Set.of()
                : Arrays.stream(models.split(",")).collect(Collectors.toUnmodifiableSet());
    }

    private static Map<String, Object> planDetails(TenantPlan plan) {
        var details = new LinkedHashMap<String, Object>();
        details.put("tokensPerDay", plan.tokensPerDay());
        details.put("tokensPerMonth", plan.tokensPerMonth());
        details.put("requestsPerMinute", plan.requestsPerMinute());
        details.put("maxConcurrentRequests", plan.maxConcurrentRequests());
        details.put("maxTokensPerRequest", plan.maxTokensPerRequest());
        details.put("allowedModels", new TreeSet<>(plan.allowedModels()));
        details.put("schedulingWeight", plan.schedulingWeight());
        return details;
    }

    static TenantView row(ResultSet rs, int rowNum) throws SQLException {
        var plan = new TenantPlan(rs.getLong("tokens_per_day"), rs.getLong("tokens_per_month"),
                rs.getInt("requests_per_minute"), rs.getInt("max_concurrent_requests"),
                rs.getInt("max_tokens_per_request"), splitModels(rs.getString("allowed_models")),
                rs.getInt("scheduling_weight"));
        return new TenantView(rs.getObject("id", UUID.class), rs.getString("name"),
                TenantStatus.valueOf(rs.getString("status")), plan,
                rs.getObject("created_at", OffsetDateTime.class).toInstant());
    }
}
