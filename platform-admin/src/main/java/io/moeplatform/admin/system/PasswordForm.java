package io.moeplatform.admin.system;

import io.moeplatform.core.user.ConsoleUserService;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** The change-password form: the current password, and the new one twice. */
public record PasswordForm(@NotBlank String currentPassword,
        @NotBlank @Size(min = ConsoleUserService.MIN_PASSWORD_LENGTH, max = 200) String newPassword,
        @NotBlank String confirmPassword) {

    public static PasswordForm empty() {
        return new PasswordForm("", "", "");
    }
}
