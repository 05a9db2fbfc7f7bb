package io.moeplatform.admin.tenant;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/** A new tenant's name; the same rule as the tenant service's, checked here to show it beside the field. */
public record TenantForm(@NotBlank @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,99}") String name) {}
