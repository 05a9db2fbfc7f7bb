package io.moeplatform.inference.cuda;

/**
 * The paged decode attention kernels ({@code paged_attention.cu}, {@code paged_attention_gqa.cu}); all compute the same
 * outputs from the same arguments.
 */
enum DecodeAttentionKernel {
    /** One block per (query head, sequence, partition); any head dim that is a multiple of 32 up to 256. */
    PER_HEAD,
    /** One block per kv head, its query heads' dot products on CUDA cores with warp shuffles. */
    GROUPED,
    /** One block per kv head, QKᵀ and PV as tensor-core mmas of 16 tokens; needs 16-byte aligned q rows. */
    GROUPED_MMA;

    boolean grouped() {
        return this != PER_HEAD;
    }
}
