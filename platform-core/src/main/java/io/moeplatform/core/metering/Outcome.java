package io.moeplatform.core.metering;

/** How a metered request ended. */
public enum Outcome {
    /** Completed normally (stop or length). */
    COMPLETED,
    /** The client went away; billed for what was generated. */
    CANCELLED,
    /** The engine or the platform failed. */
    FAILED,
    /** Rejected after admission (e.g. engine overloaded); nothing generated. */
    REJECTED
}
