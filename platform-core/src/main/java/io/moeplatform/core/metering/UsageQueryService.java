package io.moeplatform.core.metering;

import java.io.IOException;
import java.io.Writer;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Reads metered usage, always scoped to one tenant. */
public interface UsageQueryService {

    /** Daily totals per model and adapter, {@code from} and {@code to} inclusive (UTC days). */
    List<DailyUsage> daily(UUID tenantId, LocalDate from, LocalDate to);

    /** The usage event of one request, if it belongs to the tenant. */
    Optional<UsageRecord> find(UUID tenantId, String requestId);

    /** Writes the tenant's usage events of the period as CSV with a header row. */
    void exportCsv(UUID tenantId, LocalDate from, LocalDate to, Writer out) throws IOException;
}
