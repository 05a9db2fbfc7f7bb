package io.moeplatform.inference;

/**
 * How the scheduler treats a request relative to others.
 *
 * @param weight
 *            the tenant's fair share (relative to other tenants' weights), at
 *            least 1
 * @param priority
 *            higher runs first among the same tenant's requests
 * @param maxConcurrent
 *            most sequences of this tenant running at once; 0 means no cap
 */
public record SchedulingClass(int weight, int priority, int maxConcurrent) {
    public static final SchedulingClass DEFAULT = new SchedulingClass(1, 0, 0);
}
