package io.moeplatform.core.tenant;

public enum TenantStatus {
    ACTIVE, SUSPENDED
}
