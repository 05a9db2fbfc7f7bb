#include "moe_align.cuh"

#define ROUTER_MAX_PER_LANE 8  // up to 256 experts per warp

// MoE router, one warp per token (block = 128 threads = 4 tokens), fp32 throughout:
//   p = softmax(logits[t, :])                         logits [tokens, E] fp32, E <= 256
//   (ids, w) = top_k(p)  in descending order of p; ties go to the lower expert id
//   if renormalize: w = w / sum(w)                    (Qwen3-MoE norm_topk_prob; OLMoE leaves it off)
//   topk_ids [tokens, K] int32, topk_weights [tokens, K] fp32, K <= E.

// The routing of token t by one warp (all 32 lanes call it).
__device__ __forceinline__ void route_token(const float* __restrict__ logits, int* __restrict__ topk_ids,
                                            float* __restrict__ topk_weights, int t, int num_experts, int top_k,
                                            int renormalize) {
    const int lane = threadIdx.x & 31;
    const float* row = logits + (long long)t * num_experts;
    float v[ROUTER_MAX_PER_LANE];
    float m = -INFINITY;
#pragma unroll
    for (int j = 0; j < ROUTER_MAX_PER_LANE; j++) {
        const int e = j * 32 + lane;
        v[j] = e < num_experts ? row[e] : -INFINITY;
        m = fmaxf(m, v[j]);
    }
    m = warp_max(m);
    float sum = 0.0f;
#pragma unroll
    for (int j = 0; j < ROUTER_MAX_PER_LANE; j++) {
        const int e = j * 32 + lane;
        v[j] = e < num_experts ? __expf(v[j] - m) : -1.0f;  // -1: never selected (probabilities are >= 0)
        sum += e < num_experts ? v[j] : 0.0f;
    }
    const float inv_sum = 1.0f / warp_sum(sum);
    float picked_sum = 0.0f, my_weight = 0.0f;
    int my_id = 0;
    for (int r = 0; r < top_k; r++) {
        float best = -2.0f;
        int best_e = 0x7fffffff;
#pragma unroll
        for (int j = 0; j < ROUTER_MAX_PER_LANE; j++) better(best, best_e, v[j], j * 32 + lane);
        warp_argmax(best, best_e);
#pragma unroll
        for (int j = 0; j < ROUTER_MAX_PER_LANE; j++)
            if (j * 32 + lane == best_e) v[j] = -1.0f;
        const float w = best * inv_sum;
        picked_sum += w;
        if (lane == r) { my_weight = w; my_id = best_e; }  // lane r keeps the r-th pick (top_k <= 32)
    }
    if (lane < top_k) {
        topk_ids[(long long)t * top_k + lane] = my_id;
        topk_weights[(long long)t * top_k + lane] = renormalize ? my_weight / picked_sum : my_weight;
    }
}

extern "C" __global__ void moe_router(const float* __restrict__ logits, int* __restrict__ topk_ids,
                                      float* __restrict__ topk_weights, int tokens, int num_experts, int top_k,
                                      int renormalize) {
    grid_dependency_sync();
    const int t = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (t >= tokens) return;  // whole warps leave together
    route_token(logits, topk_ids, topk_weights, t, num_experts, top_k, renormalize);
}

// moe_router and moe_align in one launch for small steps (decode): the block's 32 warps route the tokens (warp w
// takes tokens w, w + 32, ...), then the block groups the slots. Same outputs as the two kernels; one launch and one
// round trip through global memory less per MoE layer. grid = 1, block = ALIGN_THREADS.
extern "C" __global__ void __launch_bounds__(ALIGN_THREADS)
moe_route_align(const float* __restrict__ logits, int* topk_ids, float* __restrict__ topk_weights, int tokens,
                int num_experts, int top_k, int renormalize, const int* __restrict__ real_tokens,
                int* __restrict__ row_token, int* __restrict__ slot_row, int* __restrict__ group_expert,
                int* __restrict__ group_start, int* __restrict__ group_count, int* __restrict__ num_groups,
                unsigned long long* __restrict__ touched) {
    grid_dependency_sync();
    for (int t = threadIdx.x >> 5; t < tokens; t += ALIGN_THREADS / 32)
        route_token(logits, topk_ids, topk_weights, t, num_experts, top_k, renormalize);
    __syncthreads();  // the block's writes of topk_ids are visible to the whole block after this
    align_slots(topk_ids, real_tokens, top_k, num_experts, row_token, slot_row, group_expert, group_start,
                group_count, num_groups, touched);
}
