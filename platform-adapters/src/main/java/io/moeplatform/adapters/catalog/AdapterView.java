package io.moeplatform.adapters.catalog;

import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One adapter of the catalog.
 *
 * @param baseModel the served model it is made for; null when it fits any model
 * @param tenantDefault whether it is its tenant's default adapter
 */
public record AdapterView(UUID id, UUID tenantId, String name, AdapterKind kind, @Nullable String baseModel,
        boolean enabled, boolean tenantDefault, Instant createdAt, Instant updatedAt) {

    /** Whether the adapter may be used with the given served model. */
    public boolean fits(String model) {
        return baseModel == null || baseModel.equals(model);
    }
}
