package io.moeplatform.core.apikey;

import java.util.UUID;

/** A freshly issued key. {@code secret} is shown to the user once and never stored. */
public record IssuedApiKey(UUID keyId, UUID tenantId, String prefix, String secret) {}
