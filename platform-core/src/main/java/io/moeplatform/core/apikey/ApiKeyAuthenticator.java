package io.moeplatform.core.apikey;

import java.util.Optional;

/** Resolves a presented API key secret to its key and tenant. Fast path: cached, revocation visible within seconds. */
public interface ApiKeyAuthenticator {

    /**
     * @return the key, if the secret belongs to a key that is not revoked, not expired, and whose tenant is active
     */
    Optional<AuthenticatedKey> authenticate(String presentedSecret);
}
