package io.moeplatform.core.apikey;

import java.util.Set;
import java.util.UUID;

/**
 * A key that passed authentication.
 *
 * @param keyPrefix the public part shown in the console and logs (never the secret)
 * @param scopes what the key may do, e.g. {@code inference}
 */
public record AuthenticatedKey(UUID keyId, UUID tenantId, String tenantName, String keyPrefix, Set<String> scopes) {}
