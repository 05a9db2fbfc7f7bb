package io.moeplatform.core.audit;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Append-only log of administrative changes. Appends join the caller's transaction, so a change and its audit entry
 * commit or roll back together.
 */
@Service
public class AuditLog {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcClient jdbc;
    private final Clock clock;

    AuditLog(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Transactional
    public void append(String actor, AuditAction action, @Nullable UUID tenantId, String target,
            Map<String, ?> details) {
        jdbc.sql("""
                INSERT INTO audit_event (occurred_at, actor, action, tenant_id, target, details)
                VALUES (?, ?, ?, ?, ?, ?)""")
                .params(OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC), actor, action.name(),
                        tenantId, target, JSON.writeValueAsString(details))
                .update();
    }

    @Transactional(readOnly = true)
    public List<AuditEvent> find(AuditQuery query) {
        var sql = new StringBuilder("SELECT id, occurred_at, actor, action, tenant_id, target, details"
                + " FROM audit_event WHERE 1 = 1");
        var params = new ArrayList<Object>();
        if (query.tenantId() != null) {
            sql.append(" AND tenant_id = ?");
            params.add(query.tenantId());
        }
        if (query.actor() != null) {
            sql.append(" AND actor = ?");
            params.add(query.actor());
        }
        if (query.action() != null) {
            sql.append(" AND action = ?");
            params.add(query.action().name());
        }
        if (query.from() != null) {
            sql.append(" AND occurred_at >= ?");
            params.add(query.from().atOffset(ZoneOffset.UTC));
        }
        if (query.to() != null) {
            sql.append(" AND occurred_at < ?");
            params.add(query.to().atOffset(ZoneOffset.UTC));
        }
        sql.append(" ORDER BY occurred_at DESC, id DESC LIMIT ").append(query.limit()).append(" OFFSET ")
                .append(query.offset());
        return jdbc.sql(sql.toString()).params(params).query(AuditLog::row).list();
    }

    private static AuditEvent row(ResultSet rs, int rowNum) throws SQLException {
        return new AuditEvent(rs.getLong("id"), rs.getObject("occurred_at", OffsetDateTime.class).toInstant(),
                rs.getString("actor"), AuditAction.valueOf(rs.getString("action")),
                rs.getObject("tenant_id", UUID.class), rs.getString("target"), rs.getString("details"));
    }
}
