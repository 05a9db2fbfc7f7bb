package io.moeplatform.core.apikey;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** Issuing, listing and revoking API keys. Every change is written to the audit log. */
public interface ApiKeyService {

    /** Scope every inference key carries. */
    String SCOPE_INFERENCE = "inference";

    /** Scope of keys that administer the tenant's adapters ({@code /v1/adapters/**}). */
    String SCOPE_ADAPTERS = "adapters:write";

    IssuedApiKey issue(UUID tenantId, String name, Set<String> scopes, @Nullable Instant expiresAt, String actor);

    List<ApiKeyView> list(UUID tenantId);

    /** One key by id, for checking whose it is before acting on it. */
    Optional<ApiKeyView> find(UUID keyId);

    /** Revocation is visible to every replica within seconds. */
    void revoke(UUID keyId, String actor);
}
