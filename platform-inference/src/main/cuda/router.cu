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

// True in the last block of the grid to get here: each block publishes its writes (fence) and counts in on
// *counter (zero before the launch); the last one also resets the counter for the next launch. Call from every
// thread of every block.
__device__ __forceinline__ bool last_block_in(int* counter) {
    __shared__ bool last;
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) last = atomicAdd(counter, 1) == gridDim.x - 1;
    __syncthreads();
    if (!last) return false;
    __threadfence();
    if (threadIdx.x == 0) *counter = 0;
    return true;
}

// moe_router and moe_align in one launch for decode steps: block b's 32 warps route tokens 32b .. 32b + 31 (one
// each; grid-stride, so any grid size routes every token), then the last block to finish (a counter, zero before and
// after the launch) groups every slot. Same outputs
// as the two kernels. One block used to route all of a step's tokens, 32 at a time: at 128 tokens that serial
// top-k on one SM cost more than the grouping. grid = ceil(tokens / 32) (1 to route serially), block = ALIGN_THREADS.
extern "C" __global__ void __launch_bounds__(ALIGN_THREADS)
moe_route_align(const float* __restrict__ logits, int* topk_ids, float* __restrict__ topk_weights, int tokens,
                int num_experts, int top_k, int renormalize, const int* __restrict__ real_tokens,
                int* __restrict__ row_token, int* __restrict__ slot_row, int* __restrict__ group_expert,
                int* __restrict__ group_start, int* __restrict__ group_count, int* __restrict__ num_groups,
                unsigned long long* __restrict__ touched, int* counter) {
    grid_dependency_sync();
    for (int t = blockIdx.x * ALIGN_WARPS + (threadIdx.x >> 5); t < tokens; t += gridDim.x * ALIGN_WARPS)
        route_token(logits, topk_ids, topk_weights, t, num_experts, top_k, renormalize);
    if (!last_block_in(counter)) return;
    align_slots(topk_ids, real_tokens, top_k, num_experts, row_token, slot_row, group_expert, group_start,
                group_count, num_groups, touched);
}

// The router's linear layer, its top-k and the grouping in one launch, for decode steps of at most MAXM tokens:
//   logits[t, e] = sum_k x[t, k] * w[e, k]      x [tokens, K] bf16, w [E, K] bf16 (HF layout), logits fp32
// then exactly moe_route_align on those logits (same outputs). Block b computes experts 4b .. 4b+3 with 8 warps per
// expert: warp part p takes the 256-column stripes p, p + 8, ... of the row (lane l the 8 columns at l * 8 of each
// stripe, one 16-byte load), so a 2,048-wide router row is one load per lane, requested before the grid dependency
// wait (the weights do not depend on earlier kernels). The 8 partial sums of an expert are added in part order
// (deterministic). The last block to finish (a counter, zero before and after the launch) reads every logit back
// through L2 into shared memory and routes and groups as moe_route_align does: the separate launch, and its wait
// for this grid, cost more than the work at batch 1. grid = ceil(E / 4), block = ALIGN_THREADS; K % 8 == 0, x and w
// 16-byte aligned, E <= 256, tokens <= MAXM.
#define ROUTER_STRIPES_IN_FLIGHT 4  // K <= 8,192 is loaded before the wait

template <int MAXM>
__device__ __forceinline__ void router_route_align(const bf16* __restrict__ x, const bf16* __restrict__ w,
                                                   float* logits, int* topk_ids, float* __restrict__ topk_weights,
                                                   int tokens, int k, int num_experts, int top_k, int renormalize,
                                                   const int* __restrict__ real_tokens, int* __restrict__ row_token,
                                                   int* __restrict__ slot_row, int* __restrict__ group_expert,
                                                   int* __restrict__ group_start, int* __restrict__ group_count,
                                                   int* __restrict__ num_groups,
                                                   unsigned long long* __restrict__ touched, int* counter) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int slot = warp >> 3, part = warp & 7;  // 4 experts x 8 parts
    const int e = blockIdx.x * 4 + slot;
    const bf16* wr = w + (long long)min(e, num_experts - 1) * k;
    uint4 wv[ROUTER_STRIPES_IN_FLIGHT];
#pragma unroll
    for (int u = 0; u < ROUTER_STRIPES_IN_FLIGHT; u++) {
        const int c = (part + 8 * u) * 256 + lane * 8;
        wv[u] = e < num_experts && c < k ? __ldg(reinterpret_cast<const uint4*>(wr + c)) : make_uint4(0, 0, 0, 0);
    }
    grid_dependency_sync();
    float acc[MAXM];
#pragma unroll
    for (int r = 0; r < MAXM; r++) acc[r] = 0.0f;
    for (int u0 = 0; (part + 8 * u0) * 256 < k; u0 += ROUTER_STRIPES_IN_FLIGHT) {
        if (u0 > 0) {
#pragma unroll
            for (int u = 0; u < ROUTER_STRIPES_IN_FLIGHT; u++) {
                const int c = (part + 8 * (u0 + u)) * 256 + lane * 8;
                wv[u] = e < num_experts && c < k ? __ldg(reinterpret_cast<const uint4*>(wr + c))
                                                 : make_uint4(0, 0, 0, 0);
            }
        }
#pragma unroll
        for (int u = 0; u < ROUTER_STRIPES_IN_FLIGHT; u++) {
            const int c = (part + 8 * (u0 + u)) * 256 + lane * 8;
            if (c < k) {
                const bf16* wb = reinterpret_cast<const bf16*>(&wv[u]);
#pragma unroll
                for (int r = 0; r < MAXM; r++) {
                    if (r < tokens) {
                        const uint4 xv = *reinterpret_cast<const uint4*>(x + (long long)r * k + c);
                        const bf16* xb = reinterpret_cast<const bf16*>(&xv);
#pragma unroll
                        for (int j = 0; j < 8; j++) acc[r] += to_f32(xb[j]) * to_f32(wb[j]);
                    }
                }
            }
        }
    }
    __shared__ float partial[MAXM][4][8];
#pragma unroll
    for (int r = 0; r < MAXM; r++) {
        const float s = warp_sum(acc[r]);
        if (lane == 0) partial[r][slot][part] = s;
    }
    __syncthreads();
    if (threadIdx.x < MAXM * 4) {
        const int r = threadIdx.x >> 2, sl = threadIdx.x & 3, ex = blockIdx.x * 4 + sl;
        if (r < tokens && ex < num_experts) {
            float s = 0.0f;
            for (int p = 0; p < 8; p++) s += partial[r][sl][p];
            logits[(long long)r * num_experts + ex] = s;
        }
    }
    if (!last_block_in(counter)) return;  // the last block routes
    __shared__ float all_logits[MAXM * ALIGN_MAX_EXPERTS];
    for (int i = threadIdx.x; i < tokens * num_experts; i += ALIGN_THREADS) all_logits[i] = __ldcg(logits + i);
    __syncthreads();
    for (int t = warp; t < tokens; t += ALIGN_WARPS)
        route_token(all_logits, topk_ids, topk_weights, t, num_experts, top_k, renormalize);
    __syncthreads();
    align_slots(topk_ids, real_tokens, top_k, num_experts, row_token, slot_row, group_expert, group_start,
                group_count, num_groups, touched);
}

#define ROUTER_ROUTE_ALIGN_ENTRY(M)                                                                                 \
    extern "C" __global__ void __launch_bounds__(ALIGN_THREADS) moe_router_route_align_m##M(                         \
            const bf16* __restrict__ x, const bf16* __restrict__ w, float* logits, int* topk_ids,                    \
            float* __restrict__ topk_weights, int tokens, int k, int num_experts, int top_k, int renormalize,        \
            const int* __restrict__ real_tokens, int* __restrict__ row_token, int* __restrict__ slot_row,            \
            int* __restrict__ group_expert, int* __restrict__ group_start, int* __restrict__ group_count,            \
            int* __restrict__ num_groups, unsigned long long* __restrict__ touched, int* counter) {                  \
        router_route_align<M>(x, w, logits, topk_ids, topk_weights, tokens, k, num_experts, top_k, renormalize,     \
                              real_tokens, row_token, slot_row, group_expert, group_start, group_count, num_groups, \
                              touched, counter);                                                                    \
    }
ROUTER_ROUTE_ALIGN_ENTRY(1)
ROUTER_ROUTE_ALIGN_ENTRY(2)
ROUTER_ROUTE_ALIGN_ENTRY(4)
ROUTER_ROUTE_ALIGN_ENTRY(8)
