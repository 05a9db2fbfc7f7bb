package io.moeplatform.adapters.lora;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code lora_adapter} rows: stored versions of LoRA weights per catalog adapter. */
@Repository
class LoraVersionStore {

    private static final String SELECT = """
            SELECT id, adapter_id, version, base_model, lora_rank, lora_alpha, use_rslora, target_modules,
                   adapted_projections, size_bytes, loaded_bytes, weights_sha256, created_by, created_at
            FROM lora_adapter
            """;

    private final JdbcClient jdbc;

    LoraVersionStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Locks the adapter's catalog row for the rest of the transaction, so uploads of one adapter take turns and
     * the adapter cannot be deleted meanwhile.
     *
     * @return false when the adapter no longer exists
     */
    boolean lockAdapter(UUID adapterId) {
        return jdbc.sql("SELECT id FROM adapter WHERE id = ? FOR UPDATE").param(adapterId).query(UUID.class)
                .optional().isPresent();
    }

    int nextVersion(UUID adapterId) {
        return jdbc.sql("SELECT COALESCE(MAX(version), 0) + 1 FROM lora_adapter WHERE adapter_id = ?")
                .param(adapterId).query(Integer.class).single();
    }

    void insert(LoraVersion v) {
        jdbc.sql("""
                INSERT INTO lora_adapter (id, adapter_id, version, base_model, lora_rank, lora_alpha, use_rslora,
                    target_modules, adapted_projections, size_bytes, loaded_bytes, weights_sha256, created_by,
                    created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(v.id(), v.adapterId(), v.version(), v.baseModel(), v.rank(), v.alpha(), v.rsLora(),
                        String.join(",", v.targetModules()), v.adaptedProjections(), v.sizeBytes(),
                        v.loadedBytes(), v.weightsSha256(), v.createdBy(),
                        v.createdAt().atOffset(ZoneOffset.UTC))
                .update();
    }

    /** The serving version: the newest. */
    Optional<LoraVersion> latest(UUID adapterId) {
        return jdbc.sql(SELECT + " WHERE adapter_id = ? ORDER BY version DESC LIMIT 1").param(adapterId)
                .query(LoraVersionStore::row).optional();
    }

    /** Newest first. */
    List<LoraVersion> versions(UUID adapterId) {
        return jdbc.sql(SELECT + " WHERE adapter_id = ? ORDER BY version DESC").param(adapterId)
                .query(LoraVersionStore::row).list();
    }

    /** Deletes the versions older than {@code version} and returns them. */
    List<LoraVersion> deleteOlderThan(UUID adapterId, int version) {
        List<LoraVersion> old = jdbc.sql(SELECT + " WHERE adapter_id = ? AND version < ?").params(adapterId, version)
                .query(LoraVersionStore::row).list();
        jdbc.sql("DELETE FROM lora_adapter WHERE adapter_id = ? AND version < ?").params(adapterId, version)
                .update();
        return old;
    }

    private static LoraVersion row(ResultSet rs, int rowNum) throws SQLException {
        String modules = rs.getString("target_modules");
        return new LoraVersion(rs.getObject("id", UUID.class), rs.getObject("adapter_id", UUID.class),
                rs.getInt("version"), rs.getString("base_model"), rs.getInt("lora_rank"), rs.getDouble("lora_alpha"),
                rs.getBoolean("use_rslora"), modules.isEmpty() ? List.of() : Arrays.asList(modules.split(",")),
                rs.getInt("adapted_projections"), rs.getLong("size_bytes"), rs.getLong("loaded_bytes"),
                rs.getString("weights_sha256"), rs.getString("created_by"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant());
    }
}
