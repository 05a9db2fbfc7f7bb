package io.moeplatform.core.quota;

import io.moeplatform.core.metering.UsageRecord;
import java.time.LocalDate;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An admitted request: the tokens it reserved in its day's and month's budgets and its concurrency slot (the
 * {@code quota_reservation} row). {@link #finish} settles it once; the database makes a repeated settlement (from
 * this or any replica) a no-op as well.
 */
final class QuotaReservation implements Admission {

    private final String requestId;
    private final UUID tenantId;
    private final UUID keyId;
    private final LocalDate day;
    private final LocalDate month;
    private final long reservedTokens;
    private final ReservationSettlement settlement;
    private final AtomicBoolean finished = new AtomicBoolean();

    QuotaReservation(String requestId, UUID tenantId, UUID keyId, LocalDate day, LocalDate month,
            long reservedTokens, ReservationSettlement settlement) {
        this.requestId = requestId;
        this.tenantId = tenantId;
        this.keyId = keyId;
        this.day = day;
        this.month = month;
        this.reservedTokens = reservedTokens;
        this.settlement = settlement;
    }

    @Override
    public String requestId() {
        return requestId;
    }

    UUID tenantId() {
        return tenantId;
    }

    UUID keyId() {
        return keyId;
    }

    LocalDate day() {
        return day;
    }

    LocalDate month() {
        return month;
    }

    long reservedTokens() {
        return reservedTokens;
    }

    @Override
    public void finish(UsageRecord usage) {
        if (finished.compareAndSet(false, true)) {
            try {
                settlement.settle(this, usage);
            } catch (RuntimeException e) {
                finished.set(false); // nothing was committed: a later call may try again
                throw e;
            }
        }
    }
}
