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
 * A tenant's limits as edited in the console; 0 means no limit.
 *
 * @param allowedModels comma-separated model names, empty for all
 */
public record PlanForm(@NotNull @Min(0) @Nullable Long tokensPerDay, @NotNull @Min(0) @Nullable Long tokensPerMonth,
        @NotNull @Min(0) @Max(1_000_000) @Nullable Integer requestsPerMinute,
        @NotNull @Min(0) @Max(100_000) @Nullable Integer maxConcurrentRequests,
        @NotNull @Min(0) @Max(10_000_000) @Nullable Integer maxTokensPerRequest,
        @Pattern(regexp = "\\s*([^,\\s][^,]*)?(,\\s*[^,\\s][^,]*)*\\s*") String allowedModels,
        @NotNull @Min(1) @Max(1000) @Nullable Integer schedulingWeight) {

    public static PlanForm of(TenantPlan plan) {
        return new PlanForm(plan.tokensPerDay(), plan.tokensPerMonth(), plan.requestsPerMinute(),
                plan.maxConcurrentRequests(), plan.maxTokensPerRequest(),
                String.join(", ", new TreeSet<>(plan.allowedModels())), plan.schedulingWeight());
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
}
