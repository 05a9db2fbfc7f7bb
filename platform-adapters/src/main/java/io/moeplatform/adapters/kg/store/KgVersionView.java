package io.moeplatform.adapters.kg.store;

import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One import of a knowledge graph.
 *
 * @param active whether this version serves requests (the newest READY one)
 * @param error why the import failed, with the locations of the problems
 */
public record KgVersionView(UUID id, UUID adapterId, int version, KgVersionStatus status, String sourceFormat,
        int entities, int relations, @Nullable String error, String createdBy, Instant createdAt,
        @Nullable Instant finishedAt, boolean active) {}
