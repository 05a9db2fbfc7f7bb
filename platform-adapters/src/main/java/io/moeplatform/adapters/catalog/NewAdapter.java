package io.moeplatform.adapters.catalog;

import org.jspecify.annotations.Nullable;

/** What an administrator gives to create an adapter; new adapters are enabled unless said otherwise. */
public record NewAdapter(String name, AdapterKind kind, @Nullable String baseModel, boolean enabled) {}
