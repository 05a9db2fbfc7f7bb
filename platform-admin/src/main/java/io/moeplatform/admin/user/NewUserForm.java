package io.moeplatform.admin.user;

import io.moeplatform.core.user.ConsoleRole;
import io.moeplatform.core.user.ConsoleUserService;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** A console user to create: the same name and password rules as {@link ConsoleUserService#create}. */
public class NewUserForm {

    @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9@._-]{0,99}")
    private String name = "";
    @NotNull
    private ConsoleRole role = ConsoleRole.TENANT_ADMIN;
    /** Required for the tenant roles, empty for the platform admin. */
    private @Nullable UUID tenantId;
    @Size(min = ConsoleUserService.MIN_PASSWORD_LENGTH, max = 200)
    private String newPassword = "";

    public String getName() {
        return name;
    }

    public void setName(@Nullable String name) {
        this.name = name == null ? "" : name.strip();
    }

    public ConsoleRole getRole() {
        return role;
    }

    public void setRole(ConsoleRole role) {
        this.role = role;
    }

    public @Nullable UUID getTenantId() {
        return tenantId;
    }

    public void setTenantId(@Nullable UUID tenantId) {
        this.tenantId = tenantId;
    }

    public String getNewPassword() {
        return newPassword;
    }

    public void setNewPassword(@Nullable String newPassword) {
        this.newPassword = newPassword == null ? "" : newPassword;
    }
}
