package io.moeplatform.admin.quota;

import io.moeplatform.core.tenant.TenantPlan;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.Arrays;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A tenant's limits as edited in the console; 0 means no limit. A bean, not a record: with setter binding a value
 * that is not a number fails alone, and the other fields keep what the user typed.
 */
public class PlanForm {

    @NotNull
    @Min(0)
    private @Nullable Long tokensPerDay;
    @NotNull
    @Min(0)
    private @Nullable Long tokensPerMonth;
    @NotNull
    @Min(0)
    @Max(1_000_000)
    private @Nullable Integer requestsPerMinute;
    @NotNull
    @Min(0)
    @Max(100_000)
    private @Nullable Integer maxConcurrentRequests;
    @NotNull
    @Min(0)
    @Max(10_000_000)
    private @Nullable Integer maxTokensPerRequest;
    /** Comma-separated model names, empty for all. */
    @Pattern(regexp = "\\s*([^,\\s][^,]*)?(,\\s*[^,\\s][^,]*)*\\s*")
    private String allowedModels = "";
    @NotNull
    @Min(1)
    @Max(1000)
    private @Nullable Integer schedulingWeight;

    public static PlanForm of(TenantPlan plan) {
        var form = new PlanForm();
        form.tokensPerDay = plan.tokensPerDay();
        form.tokensPerMonth = plan.tokensPerMonth();
        form.requestsPerMinute = plan.requestsPerMinute();
        form.maxConcurrentRequests = plan.maxConcurrentRequests();
        form.maxTokensPerRequest = plan.maxTokensPerRequest();
        form.allowedModels = String.join(", ", new TreeSet<>(plan.allowedModels()));
        form.schedulingWeight = plan.schedulingWeight();
        return form;
    }

    /** The plan; call only after validation passed (no nulls). */
    TenantPlan toPlan() {
        var models = Arrays.stream(allowedModels.split(",")).map(String::strip).filter(m -> !m.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        return new TenantPlan(value(tokensPerDay), value(tokensPerMonth), value(requestsPerMinute),
                value(maxConcurrentRequests), value(maxTokensPerRequest), models, value(schedulingWeight));
    }

    /** A monthly budget smaller than the daily one can never be used in full: refuse it. */
    boolean monthSmallerThanDay() {
        return tokensPerDay != null && tokensPerMonth != null && tokensPerDay > 0 && tokensPerMonth > 0
                && tokensPerMonth < tokensPerDay;
    }

    private static <T extends Number> T value(@Nullable T value) {
        if (value == null) {
            throw new IllegalStateException("PlanForm used before validation");
        }
        return value;
    }

    public @Nullable Long getTokensPerDay() {
        return tokensPerDay;
    }

    public void setTokensPerDay(@Nullable Long tokensPerDay) {
        this.tokensPerDay = tokensPerDay;
    }

    public @Nullable Long getTokensPerMonth() {
        return tokensPerMonth;
    }

    public void setTokensPerMonth(@Nullable Long tokensPerMonth) {
        this.tokensPerMonth = tokensPerMonth;
    }

    public @Nullable Integer getRequestsPerMinute() {
        return requestsPerMinute;
    }

    public void setRequestsPerMinute(@Nullable Integer requestsPerMinute) {
        this.requestsPerMinute = requestsPerMinute;
    }

    public @Nullable Integer getMaxConcurrentRequests() {
        return maxConcurrentRequests;
    }

    public void setMaxConcurrentRequests(@Nullable Integer maxConcurrentRequests) {
        this.maxConcurrentRequests = maxConcurrentRequests;
    }

    public @Nullable Integer getMaxTokensPerRequest() {
        return maxTokensPerRequest;
    }

    public void setMaxTokensPerRequest(@Nullable Integer maxTokensPerRequest) {
        this.maxTokensPerRequest = maxTokensPerRequest;
    }

    public String getAllowedModels() {
        return allowedModels;
    }

    public void setAllowedModels(@Nullable String allowedModels) {
        this.allowedModels = allowedModels == null ? "" : allowedModels;
    }

    public @Nullable Integer getSchedulingWeight() {
        return schedulingWeight;
    }

    public void setSchedulingWeight(@Nullable Integer schedulingWeight) {
        this.schedulingWeight = schedulingWeight;
    }
}
