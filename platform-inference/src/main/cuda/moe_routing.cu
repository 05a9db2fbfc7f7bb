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

#define ALIGN_THREADS 1024
#define ALIGN_WARPS (ALIGN_THREADS / 32)
#define ALIGN_MAX_EXPERTS 256

extern "C" __global__ void __launch_bounds__(ALIGN_THREADS)
moe_align(const int* __restrict__ topk_ids, const int* __restrict__ real_tokens, int top_k, int experts,
          int* __restrict__ row_token, int* __restrict__ slot_row, int* __restrict__ group_expert,
          int* __restrict__ group_start, int* __restrict__ group_count, int* __restrict__ num_groups,
          unsigned long long* __restrict__ touched) {
    __shared__ int count[ALIGN_MAX_EXPERTS];
    __shared__ int next_row[ALIGN_MAX_EXPERTS];  // first free row of each expert
    __shared__ int warp_base[ALIGN_WARPS][ALIGN_MAX_EXPERTS];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int slots = *real_tokens * top_k;
    for (int e = tid; e < experts; e += ALIGN_THREADS) count[e] = 0;
    __syncthreads();
    for (int s = tid; s < slots; s += ALIGN_THREADS) atomicAdd(&count[topk_ids[s]], 1);
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
        const int e = s < slots ? topk_ids[s] : -1;
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

// ---- Dummy weights generated in place on the device ----
// The same values as the Java RandomWeights (a counter-based hash), so the CPU and CUDA backends load the same
// dummy model: for element i,
//   h = splitmix64(name_seed + i),  u = (h >> 40) * 2^-24  (uniform in [0, 1), 24 bits)
//   out[i] = bf16_rne(amplitude * (2u - 1))        or 1.0 for norms (ones != 0)
// Every float operation is exact except the product, which rounds once as in Java (no contraction).
__device__ __forceinline__ unsigned long long splitmix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

extern "C" __global__ void fill_random_bf16(bf16* __restrict__ out, long long n, unsigned long long name_seed,
                                            float amplitude, int ones) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        float v = 1.0f;
        if (!ones) {
            const float u = (float)(splitmix64(name_seed + (unsigned long long)i) >> 40) * 0x1.0p-24f;
            v = __fmul_rn(amplitude, __fsub_rn(__fmul_rn(2.0f, u), 1.0f));
        }
        out[i] = to_bf16(v);
    }
}

// Padded copies for the batched expert GEMMs of large steps: G groups (experts) of counts[g] rows starting at layout
// row starts[g], each given max_rows rows so that one batched GEMM of equal shapes covers them all.
//   gather:  out[g * max_rows + i] = x[row_token[starts[g] + i]]   i < counts[g]; zeros for the padding rows
//   scatter: y[starts[g] + i] = ypad[g * max_rows + i]             i < counts[g]
// grid = (max_rows, G), block = 128; rows of width bf16 (width % 8 == 0: 16-byte pieces).
extern "C" __global__ void gather_padded_rows(const bf16* __restrict__ x, const int* __restrict__ row_token,
                                              const int* __restrict__ starts, const int* __restrict__ counts,
                                              bf16* __restrict__ out, int max_rows, int width) {
    const int g = blockIdx.y, i = blockIdx.x;
    uint4* o = reinterpret_cast<uint4*>(out + ((size_t)g * max_rows + i) * width);
    const int pieces = width / 8;
    if (i < counts[g]) {
        const uint4* src = reinterpret_cast<const uint4*>(x + (size_t)row_token[starts[g] + i] * width);
        for (int p = threadIdx.x; p < pieces; p += blockDim.x) o[p] = src[p];
    } else {
        for (int p = threadIdx.x; p < pieces; p += blockDim.x) o[p] = make_uint4(0, 0, 0, 0);
    }
}

extern "C" __global__ void scatter_padded_rows(const bf16* __restrict__ ypad, const int* __restrict__ starts,
                                               const int* __restrict__ counts, bf16* __restrict__ y, int max_rows,
                                               int width) {
    const int g = blockIdx.y, i = blockIdx.x;
    if (i >= counts[g]) return;
    const uint4* src = reinterpret_cast<const uint4*>(ypad + ((size_t)g * max_rows + i) * width);
    uint4* o = reinterpret_cast<uint4*>(y + ((size_t)starts[g] + i) * width);
    for (int p = threadIdx.x; p < width / 8; p += blockDim.x) o[p] = src[p];
}
