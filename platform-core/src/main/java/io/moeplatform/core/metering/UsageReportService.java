package io.moeplatform.core.metering;

import java.io.IOException;
import java.io.Writer;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** Reports across tenants for the platform administrator's console; tenant-bound callers use a tenant id. */
public interface UsageReportService {

    /** Daily totals per tenant, model and adapter of every tenant, {@code from} and {@code to} inclusive. */
    List<DailyUsage> dailyAllTenants(LocalDate from, LocalDate to);

    /**
     * Every tenant's usage events of the period as CSV: the columns of {@link UsageQueryService#exportCsv} after a
     * leading {@code tenant} (its name).
     */
    void exportCsvAllTenants(LocalDate from, LocalDate to, Writer out) throws IOException;

    /** Percentiles of one tenant's requests, or of all tenants' when {@code tenantId} is null. */
    LatencyPercentiles latency(@Nullable UUID tenantId, LocalDate from, LocalDate to);
}
