package io.moeplatform.core.bootstrap;

import java.util.UUID;

/** What a first-start bootstrap created; the secrets are here only to be shown once. */
record BootstrapResult(String adminUser, String adminPassword, UUID tenantId, UUID keyId, String apiKey) {}
