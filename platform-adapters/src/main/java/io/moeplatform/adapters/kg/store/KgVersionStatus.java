package io.moeplatform.adapters.kg.store;

/** The life of an imported graph version. */
public enum KgVersionStatus {
    /** Being written; not visible to retrieval. */
    IMPORTING,
    /** Complete; the newest READY version of an adapter serves it. */
    READY,
    /** Refused; nothing of it was stored. */
    FAILED,
    /** Superseded by a newer READY version; its entities and relations were deleted. */
    RETIRED
}
