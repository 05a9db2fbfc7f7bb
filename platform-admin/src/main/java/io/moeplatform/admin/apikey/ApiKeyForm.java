package io.moeplatform.admin.apikey;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.LocalDate;
import org.jspecify.annotations.Nullable;
import org.springframework.format.annotation.DateTimeFormat;

/**
 * A key to issue.
 *
 * @param scopes comma- or space-separated scopes, e.g. {@code inference}
 * @param expiresOn last day (UTC) the key works, or empty for no expiry
 */
public record ApiKeyForm(@NotBlank @Size(max = 200) String name,
        @NotBlank @Pattern(regexp = "[a-z0-9:._\\-]+([ ,]+[a-z0-9:._\\-]+)*") String scopes,
        @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) @Nullable LocalDate expiresOn) {

    public static ApiKeyForm empty() {
        return new ApiKeyForm("", "inference", null);
    }
}
