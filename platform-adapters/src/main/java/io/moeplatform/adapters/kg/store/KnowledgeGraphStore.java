package io.moeplatform.adapters.kg.store;

import io.moeplatform.adapters.catalog.AdapterException;
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
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Knowledge-graph versions, entities and relations in the relational database. Callers pass adapter ids they got
 * from the tenant-scoped catalog; nothing here is reachable from a request without going through it.
 */
@Repository
public class KnowledgeGraphStore {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String VERSION_COLUMNS = "id, adapter_id, version, status, source_format, entity_count,"
            + " relation_count, error, created_by, created_at, finished_at";
    /** Rows per round trip when reading a graph (PostgreSQL streams with a cursor inside a transaction). */
    private static final int FETCH_SIZE = 2000;

    private final JdbcClient jdbc;
    private final JdbcTemplate template;
    private final Clock clock;

    KnowledgeGraphStore(JdbcClient jdbc, JdbcTemplate template, Clock clock) {
        this.jdbc = jdbc;
        this.template = template;
        this.clock = clock;
    }

    /** An entity as stored; {@code ordinal} is its index within its version. */
    public record StoredEntity(int ordinal, String key, String name, @Nullable String type, List<String> aliases,
            Map<String, String> attributes) {}

    /** A relation as stored, endpoints by entity ordinal. */
    public record StoredRelation(int ordinal, int source, int target, String type, double weight) {}

    public interface GraphVisitor {
        void entity(StoredEntity entity);

        void relation(StoredRelation relation);
    }

    /** Records a new version as IMPORTING, committed on its own so that a failure can still be recorded. */
    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public KgVersionView startVersion(UUID adapterId, String sourceFormat, String actor) {
        int version = jdbc.sql("SELECT COALESCE(MAX(version), 0) + 1 FROM kg_version WHERE adapter_id = ?")
                .param(adapterId).query(Integer.class).single();
        var id = UUID.randomUUID();
        try {
            jdbc.sql("INSERT INTO kg_version (" + VERSION_COLUMNS + ") VALUES (?, ?, ?, ?, ?, 0, 0, NULL, ?, ?, NULL)")
                    .params(id, adapterId, version, KgVersionStatus.IMPORTING.name(), sourceFormat, actor, now())
                    .update();
        } catch (DuplicateKeyException concurrent) {
            throw new AdapterException(AdapterException.Reason.CONFLICT,
                    "Another import of this adapter started at the same moment; retry when it has finished.", null);
        }
        return version(id).orElseThrow();
    }

    public void insertEntities(List<Object[]> rows) {
        template.batchUpdate("INSERT INTO kg_entity (version_id, ordinal, entity_key, name, entity_type, aliases,"
                + " attributes) VALUES (?, ?, ?, ?, ?, ?, ?)", rows);
    }

    public void insertRelations(List<Object[]> rows) {
        template.batchUpdate("INSERT INTO kg_relation (version_id, ordinal, source_ordinal, target_ordinal,"
                + " relation_type, weight, attributes) VALUES (?, ?, ?, ?, ?, ?, ?)", rows);
    }

    /**
     * Makes the version READY and retires the adapter's older READY versions, deleting their rows; runs in the
     * importing transaction, so readers switch from the old version to the new one at its commit.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void publish(UUID versionId, UUID adapterId, int entities, int relations) {
        jdbc.sql("UPDATE kg_version SET status = ?, entity_count = ?, relation_count = ?, finished_at = ?"
                + " WHERE id = ?").params(KgVersionStatus.READY.name(), entities, relations, now(), versionId)
                .update();
        List<UUID> retired = jdbc.sql("SELECT id FROM kg_version WHERE adapter_id = ? AND status = ? AND id <> ?")
                .params(adapterId, KgVersionStatus.READY.name(), versionId).query(UUID.class).list();
        for (UUID old : retired) {
            jdbc.sql("DELETE FROM kg_relation WHERE version_id = ?").param(old).update();
            jdbc.sql("DELETE FROM kg_entity WHERE version_id = ?").param(old).update();
            jdbc.sql("UPDATE kg_version SET status = ? WHERE id = ?").params(KgVersionStatus.RETIRED.name(), old)
                    .update();
        }
    }

    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public void markFailed(UUID versionId, String error) {
        String truncated = error.length() > 4000 ? error.substring(0, 3997) + "..." : error;
        jdbc.sql("UPDATE kg_version SET status = ?, error = ?, finished_at = ? WHERE id = ?")
                .params(KgVersionStatus.FAILED.name(), truncated, now(), versionId).update();
    }

    /** The version that serves the adapter: its newest READY one. */
    @Transactional(readOnly = true)
    public Optional<KgVersionView> activeVersion(UUID adapterId) {
        return jdbc.sql("SELECT " + VERSION_COLUMNS + " FROM kg_version WHERE adapter_id = ? AND status = ?"
                + " ORDER BY version DESC LIMIT 1").params(adapterId, KgVersionStatus.READY.name())
                .query((rs, n) -> row(rs, true)).optional();
    }

    @Transactional(readOnly = true)
    public Optional<KgVersionView> version(UUID versionId) {
        return jdbc.sql("SELECT " + VERSION_COLUMNS + " FROM kg_version WHERE id = ?").param(versionId)
                .query((rs, n) -> row(rs, rs.getString("status").equals(KgVersionStatus.READY.name())))
                .optional();
    }

    /** Every version of the adapter, newest first. */
    @Transactional(readOnly = true)
    public List<KgVersionView> versions(UUID adapterId) {
        return jdbc.sql("SELECT " + VERSION_COLUMNS + " FROM kg_version WHERE adapter_id = ? ORDER BY version DESC")
                .param(adapterId).query((rs, n) -> row(rs, rs.getString("status").equals("READY"))).list();
    }

    /** Streams a version's entities, then its relations, each in ordinal order. */
    @Transactional(readOnly = true)
    public void read(UUID versionId, GraphVisitor visitor) {
        var entities = new JdbcTemplate(template.getDataSource());
        entities.setFetchSize(FETCH_SIZE);
        entities.query("SELECT ordinal, entity_key, name, entity_type, aliases, attributes FROM kg_entity"
                + " WHERE version_id = ? ORDER BY ordinal", rs -> {
                    visitor.entity(new StoredEntity(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            JSON.readValue(rs.getString(5), new TypeReference<List<String>>() {}),
                            JSON.readValue(rs.getString(6), new TypeReference<LinkedHashMap<String, String>>() {})));
                }, versionId);
        entities.query("SELECT ordinal, source_ordinal, target_ordinal, relation_type, weight FROM kg_relation"
                + " WHERE version_id = ? ORDER BY ordinal", rs -> {
                    visitor.relation(new StoredRelation(rs.getInt(1), rs.getInt(2), rs.getInt(3), rs.getString(4),
                            rs.getDouble(5)));
                }, versionId);
    }

    /** JSON text of the aliases and attributes columns. */
    public static String json(Object value) {
        return JSON.writeValueAsString(value);
    }

    /** How many entity and relation rows a version has in the tables. */
    public record RowCounts(int entities, int relations) {}

    @Transactional(readOnly = true)
    public RowCounts rowCounts(UUID versionId) {
        return new RowCounts(
                jdbc.sql("SELECT COUNT(*) FROM kg_entity WHERE version_id = ?").param(versionId).query(Integer.class)
                        .single(),
                jdbc.sql("SELECT COUNT(*) FROM kg_relation WHERE version_id = ?").param(versionId)
                        .query(Integer.class).single());
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }

    private static KgVersionView row(ResultSet rs, boolean active) throws SQLException {
        var finished = rs.getObject("finished_at", OffsetDateTime.class);
        return new KgVersionView(rs.getObject("id", UUID.class), rs.getObject("adapter_id", UUID.class),
                rs.getInt("version"), KgVersionStatus.valueOf(rs.getString("status")),
                rs.getString("source_format"), rs.getInt("entity_count"), rs.getInt("relation_count"),
                rs.getString("error"), rs.getString("created_by"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                finished == null ? null : finished.toInstant(), active);
    }
}
