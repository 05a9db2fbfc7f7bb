package io.moeplatform.inference.cuda;

/**
 * The paged decode attention kernels ({@code paged_attention.cu}, {@code paged_attention_gqa.cu}); all compute the same
 * outputs from the same arguments.
 */
enum DecodeAttentionKernel {
    /** One block per (query head, sequence, partition); any head dim that is a multiple of 32 up to 256. */
    PER_HEAD,
    /**
     * {@link #PER_HEAD} that also loads the first K/V rows of each warp before waiting for the previous kernel, all but
     * the current token's (which that kernel writes): for decode steps in the engine's kernel order.
     */
    PER_HEAD_EARLY_KV,
    /** One block per kv head, its query heads' dot products on CUDA cores with warp shuffles. */
    GROUPED,
    /** One block per kv head, QKᵀ and PV as tensor-core mmas of 16 tokens; needs 16-byte aligned q rows. */
    GROUPED_MMA;

    boolean grouped() {
        return this == GROUPED || this == GROUPED_MMA;
    }
}
