package io.moeplatform.core.apikey;

/** Published when a key is revoked, so this replica's authentication cache drops it at once. */
record ApiKeysChanged() {}
