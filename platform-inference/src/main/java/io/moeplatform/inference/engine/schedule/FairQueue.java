package io.moeplatform.inference.engine.schedule;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

import org.jspecify.annotations.Nullable;

/**
 * Waiting sequences per tenant, admitted weighted-fair: each tenant has a
 * virtual time that advances by the tokens computed for it divided by its
 * weight, and the tenant with the smallest virtual time goes next (start-time
 * fair queuing). A tenant that becomes active again starts at the smallest
 * virtual time of the active tenants, so idling earns no burst credit. Inside a
 * tenant, preempted sequences resume first, then higher priority, then earlier
 * arrival.
 */
final class FairQueue {

    private static final Comparator<Sequence> WITHIN_TENANT = Comparator
            .comparingInt((Sequence s) -> -s.group().schedulingClass().priority())
            .thenComparingLong(s -> s.group().arrival());

    private final Map<String, Tenant> tenants = new HashMap<>();
    private int waitingRequests;

    /** A tenant's queue, share and running count. */
    static final class Tenant {
        final String id;
        double virtualTime;
        int runningSlots;
        int weight = 1;
        int maxConcurrent;
        final ArrayDeque<Sequence> resumed = new ArrayDeque<>();
        final PriorityQueue<Sequence> fresh = new PriorityQueue<>(WITHIN_TENANT);

        Tenant(String id) {
            this.id = id;
        }

        boolean hasWaiting() {
            return !resumed.isEmpty() || !fresh.isEmpty();
        }

        boolean isActive() {
            return hasWaiting() || runningSlots > 0;
        }

        @Nullable
        Sequence head() {
            Sequence head = resumed.peekFirst();
            return head != null ? head : fresh.peek();
        }
    }

    /** Queues a never-admitted request's first sequence. */
    void addFresh(Sequence sequence) {
        Tenant tenant = activate(sequence);
        tenant.fresh.add(sequence);
        sequence.waiting = true;
        waitingRequests++;
    }

    /** Queues a preempted sequence at the front of its tenant's queue. */
    void addResumed(Sequence sequence) {
        Tenant tenant = activate(sequence);
        tenant.resumed.addFirst(sequence);
        sequence.waiting = true;
    }

    private Tenant activate(Sequence sequence) {
        Tenant tenant = tenant(sequence.group().tenantId());
        if (!tenant.isActive()) {
            tenant.virtualTime = Math.max(tenant.virtualTime, minActiveVirtualTime());
        }
        tenant.weight = Math.max(1, sequence.group().schedulingClass().weight());
        tenant.maxConcurrent = Math.max(0, sequence.group().schedulingClass().maxConcurrent());
        return tenant;
    }

    private double minActiveVirtualTime() {
        double min = Double.MAX_VALUE;
        for (Tenant tenant : tenants.values()) {
            if (tenant.isActive()) {
                min = Math.min(min, tenant.virtualTime);
            }
        }
        return min == Double.MAX_VALUE ? 0 : min;
    }

    Tenant tenant(String tenantId) {
        return tenants.computeIfAbsent(tenantId, Tenant::new);
    }

    /**
     * The next sequence to admit: the head of the tenant with the smallest virtual
     * time among those whose head fits under their concurrency cap and in
     * {@code freeSlots}; null when none.
     */
    @Nullable
    Sequence peek(int freeSlots) {
        Tenant best = null;
        for (Tenant tenant : tenants.values()) {
            Sequence head = tenant.head();
            if (head == null || head.slots() > freeSlots) {
                continue;
            }
            if (tenant.maxConcurrent > 0 && tenant.runningSlots + head.slots() > tenant.maxConcurrent) {
                continue;
            }
            if (best == null || tenant.virtualTime < best.virtualTime
                    || tenant.virtualTime == best.virtualTime && tenant.id.compareTo(best.id) < 0) {
                best = tenant;
            }
        }
        return best == null ? null : best.head();
    }

    /** Removes a sequence that {@link #peek} returned or that leaves the queue. */
    void remove(Sequence sequence) {
        if (!sequence.waiting) {
            return;
        }
        Tenant tenant = tenant(sequence.group().tenantId());
        if (!tenant.resumed.remove(sequence)) {
            tenant.fresh.remove(sequence);
            waitingRequests--;
        }
        sequence.waiting = false;
    }

    /** Advances a tenant's virtual time by tokens computed for it. */
    void charge(String tenantId, int tokens) {
        Tenant tenant = tenant(tenantId);
        tenant.virtualTime += (double) tokens / tenant.weight;
    }

    /** Requests waiting for their first admission (the bounded queue's length). */
    int waitingRequests() {
        return waitingRequests;
    }

    /** All waiting sequences, resumed ones included. */
    int waitingSequences() {
        int count = 0;
        for (Tenant tenant : tenants.values()) {
            count += tenant.resumed.size() + tenant.fresh.size();
        }
        return count;
    }

    /** Never-admitted sequences submitted before {@code deadlineNanos}. */
    List<Sequence> freshSubmittedBefore(long deadlineNanos) {
        List<Sequence> expired = new ArrayList<>();
        for (Tenant tenant : tenants.values()) {
            for (Sequence sequence : tenant.fresh) {
                if (sequence.group().submittedNanos() - deadlineNanos < 0) {
                    expired.add(sequence);
                }
            }
        }
        return expired;
    }

    double virtualTime(String tenantId) {
        return tenant(tenantId).virtualTime;
    }
}
