// The on-device grouping of a step's slots by expert, shared by moe_align (moe_routing.cu) and moe_route_align
// (router.cu, the router's top-k and the grouping in one launch).
#pragma once
#include "common.cuh"

// ---- On-device grouping of a step's (token, choice) slots by expert, no host round trip ----
// Input: the router's topk_ids [tokens, K] int32 (slot s = t * K + j) and the number of real tokens *real_tokens
// (read from device memory, so that a CUDA graph captured for a padded batch serves every batch size of its bucket;
// slots of padding tokens are left out). Output, for the S = real * K real slots:
//   group_count[g], group_start[g], group_expert[g]  for the G = *num_groups experts with at least one slot,
//                                                      in ascending expert order; starts are exclusive prefix sums
//   row_token[r]   the token of row r (rows are the slots sorted by expert, tokens ascending inside an expert)
//   slot_row[s]    the row of slot s
//   *touched      += G   (a running count for bytes-read accounting; may be null)
// The order is a stable counting sort, so the layout is deterministic (no atomics decide any position).
// One block of 1024 threads; experts <= 256. Cost is O(S / 1024) rounds of a few barriers: a decode step's slots
// fit in one round.

#define ALIGN_THREADS 1024  // the block size of every kernel that calls align_slots
#define ALIGN_WARPS (ALIGN_THREADS / 32)
#define ALIGN_MAX_EXPERTS 256

// The grouping itself, by a whole block of ALIGN_THREADS threads; topk_ids may have been written by this block
// before a __syncthreads() or by other blocks of the grid before a fence (read through L2, never a stale L1 line).
__device__ __forceinline__ void align_slots(const int* topk_ids, const int* __restrict__ real_tokens, int top_k,
                                            int experts, int* __restrict__ row_token, int* __restrict__ slot_row,
                                            int* __restrict__ group_expert, int* __restrict__ group_start,
                                            int* __restrict__ group_count, int* __restrict__ num_groups,
                                            unsigned long long* __restrict__ touched) {
    __shared__ int count[ALIGN_MAX_EXPERTS];
    __shared__ int next_row[ALIGN_MAX_EXPERTS];  // first free row of each expert
    __shared__ int warp_base[ALIGN_WARPS][ALIGN_MAX_EXPERTS];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int slots = *real_tokens * top_k;
    for (int e = tid; e < experts; e += ALIGN_THREADS) count[e] = 0;
    __syncthreads();
    for (int s = tid; s < slots; s += ALIGN_THREADS) atomicAdd(&count[__ldcg(topk_ids + s)], 1);
    __syncthreads();
    // exclusive scan of counts and of "expert is active" over experts, by warp 0: lane l owns experts 8l .. 8l+7
    if (warp == 0) {
        int c[8], rows = 0, active = 0;
#pragma unroll
        for (int j = 0; j < 8; j++) {
            const int e = lane * 8 + j;
            c[j] = e < experts ? count[e] : 0;
            rows += c[j];
            active += c[j] > 0;
        }
        int rows_incl = rows, active_incl = active;
#pragma unroll
        for (int o = 1; o < 32; o <<= 1) {
            const int r = __shfl_up_sync(0xffffffffu, rows_incl, o);
            const int a = __shfl_up_sync(0xffffffffu, active_incl, o);
            if (lane >= o) { rows_incl += r; active_incl += a; }
        }
        int row = rows_incl - rows, g = active_incl - active;
#pragma unroll
        for (int j = 0; j < 8; j++) {
            const int e = lane * 8 + j;
            if (e < experts) {
                next_row[e] = row;
                if (c[j] > 0) {
                    group_expert[g] = e;
                    group_start[g] = row;
                    group_count[g] = c[j];
                    g++;
                }
            }
            row += c[j];
        }
        if (lane == 31) {
            *num_groups = active_incl;
            if (touched != nullptr) atomicAdd(touched, (unsigned long long)active_incl);
        }
    }
    __syncthreads();
    // stable placement, ALIGN_THREADS slots per round: rank inside the warp by __match_any_sync, across warps by a
    // prefix over per-warp counts of each expert
    for (int base = 0; base < slots; base += ALIGN_THREADS) {
        const int s = base + tid;
        const int e = s < slots ? __ldcg(topk_ids + s) : -1;
        const unsigned same = __match_any_sync(0xffffffffu, e);
        const int rank = __popc(same & ((1u << lane) - 1));
        for (int i = tid; i < ALIGN_WARPS * experts; i += ALIGN_THREADS) warp_base[i / experts][i % experts] = 0;
        __syncthreads();
        if (e >= 0 && rank == 0) warp_base[warp][e] = __popc(same);
        __syncthreads();
        for (int x = tid; x < experts; x += ALIGN_THREADS) {
            int run = next_row[x];
            for (int w = 0; w < ALIGN_WARPS; w++) {
                const int n = warp_base[w][x];
                warp_base[w][x] = run;
                run += n;
            }
            next_row[x] = run;
        }
        __syncthreads();
        if (e >= 0) {
            const int r = warp_base[warp][e] + rank;
            row_token[r] = s / top_k;
            slot_row[s] = r;
        }
        __syncthreads();
    }
}
