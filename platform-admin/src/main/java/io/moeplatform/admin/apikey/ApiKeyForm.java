package io.moeplatform.admin.apikey;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.LocalDate;
import org.jspecify.annotations.Nullable;
import org.springframework.format.annotation.DateTimeFormat;

/**
 * A key to issue. A bean, not a record: with setter binding a malformed date fails alone and the other fields keep
 * what the user typed.
 */
public class ApiKeyForm {

    @NotBlank
    @Size(max = 200)
    private String name = "";
    /** Comma- or space-separated scopes, e.g. {@code inference}. */
    @NotBlank
    @Pattern(regexp = "[a-z0-9:._\\-]+([ ,]+[a-z0-9:._\\-]+)*")
    private String scopes = "inference";
    /** Last day (UTC) the key works, or null for no expiry. */
    @DateTimeFormat(iso = DateTimeFormat.ISO.DATE)
    private @Nullable LocalDate expiresOn;

    public String getName() {
        return name;
    }

    public void setName(@Nullable String name) {
        this.name = name == null ? "" : name;
    }

    public String getScopes() {
        return scopes;
    }

    public void setScopes(@Nullable String scopes) {
        this.scopes = scopes == null ? "" : scopes;
    }

    public @Nullable LocalDate getExpiresOn() {
        return expiresOn;
    }

    public void setExpiresOn(@Nullable LocalDate expiresOn) {
        this.expiresOn = expiresOn;
    }
}
