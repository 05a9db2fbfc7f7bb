package io.moeplatform.api.security;

import io.moeplatform.core.apikey.AuthenticatedKey;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** A request authenticated by an API key; the principal is the key (prefix only, never the secret). */
public final class ApiKeyAuthentication extends AbstractAuthenticationToken {

    private final AuthenticatedKey key;

    ApiKeyAuthentication(AuthenticatedKey key) {
        super(key.scopes().stream().map(scope -> new SimpleGrantedAuthority("SCOPE_" + scope)).toList());
        this.key = key;
        setAuthenticated(true);
    }

    public AuthenticatedKey key() {
        return key;
    }

    @Override
    public Object getCredentials() {
        return "";
    }

    @Override
    public Object getPrincipal() {
        return key;
    }

    @Override
    public String getName() {
        return key.keyPrefix();
    }
}
