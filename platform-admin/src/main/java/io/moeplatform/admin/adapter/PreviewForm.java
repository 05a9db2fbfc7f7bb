package io.moeplatform.admin.adapter;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;

/** A prompt to preview an adapter's injection for, with an optional smaller token budget. */
public class PreviewForm {

    @NotBlank
    @Size(max = 20_000)
    private String prompt = "";
    /** Empty: the configured budget. */
    @Min(1)
    @Max(100_000)
    private @Nullable Integer maxInjectedTokens;

    public String getPrompt() {
        return prompt;
    }

    public void setPrompt(@Nullable String prompt) {
        this.prompt = prompt == null ? "" : prompt;
    }

    public @Nullable Integer getMaxInjectedTokens() {
        return maxInjectedTokens;
    }

    public void setMaxInjectedTokens(@Nullable Integer maxInjectedTokens) {
        this.maxInjectedTokens = maxInjectedTokens;
    }
}
