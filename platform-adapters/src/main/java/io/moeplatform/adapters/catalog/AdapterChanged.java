package io.moeplatform.adapters.catalog;

import java.util.UUID;

/**
 * Published (in the changing transaction) when an adapter is enabled, disabled, deleted or gets a new
 * knowledge-graph version, so caches of it (indexes, loaded LoRA weights) drop what they hold.
 */
public record AdapterChanged(UUID tenantId, UUID adapterId, String name, Change change) {

    public enum Change {
        ENABLED, DISABLED, DELETED, NEW_VERSION
    }
}
