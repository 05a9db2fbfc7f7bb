#include "common.cuh"
#include <mma.h>

// ---- Routed experts on tensor cores: grouped GEMMs for experts with several rows in a step ----
// Same grouping and outputs as expert_gate_up / expert_down (decoder_step.cu): group g < *num_groups is expert
// group_expert[g] with rows [group_start[g], group_start[g] + group_count[g]). These kernels take the groups with
// min_rows <= count < max_rows (the CUDA-core kernels take the smaller ones, cuBLAS the larger ones in prefill), so
// both kinds can be launched for the same step (graph-capturable, no host sync) and each group runs exactly once.
//
// Tiling: a block owns one group and a strip of output features; rows go in passes of up to 32 (two 16-row
// fragments, a pass with at most 16 rows runs one), K in chunks of MMA_KCHUNK staged in shared memory
// ([32, KCHUNK] bf16 A tile, rows past the group's end zeroed). Each warp multiplies the A tile with two 16x16
// weight fragments per 16-wide K step read straight from global memory (bf16 mma, fp32 accumulate): the weights of
// an expert are read once per pass, which is the memory roofline at decode sizes, and the A tile (activations)
// comes from shared memory instead of L1/L2 once per output feature as in the CUDA-core kernels.
// Weight matrices [n, k] row-major are the col-major B operand (ld = k); every base pointer is 32-byte aligned
// and k % 16 == 0 (checked by the caller).

using namespace nvcuda;

#define MMA_WARPS 4
#define MMA_ROWS 32
#define MMA_KCHUNK 512
#define MMA_LD (MMA_KCHUNK + 8)  // padded row (bank spread); 16-row fragment starts stay 32-byte aligned
#define MMA_UNROLL 4             // K steps whose weight fragments are loaded before their multiplies

typedef wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> FragA;
typedef wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::col_major> FragB;
typedef wmma::fragment<wmma::accumulator, 16, 16, 16, float> FragC;

// Shared memory of a block: the A tile during the main loop, then each warp's accumulators ([4][16][16] fp32).
// (The A tile is held as raw 16-bit words: a __shared__ union cannot have members with constructors.)
union MmaShared {
    unsigned short a_bits[MMA_ROWS * MMA_LD];
    float c[MMA_WARPS][4 * 256];
    __device__ bf16* a() { return reinterpret_cast<bf16*>(a_bits); }
    __device__ const bf16* a() const { return reinterpret_cast<const bf16*>(a_bits); }
};

// Stages rows [r0, r0 + rn) of the pass, columns [k0, k0 + kc), into s.a; src(r) is the row's first element.
// kc % 8 == 0; rows >= rn are zero.
template <typename RowPtr>
__device__ __forceinline__ void stage_a(MmaShared& s, RowPtr src, int rn, int k0, int kc) {
    const int vecs = kc / 8;
    for (int i = threadIdx.x; i < MMA_ROWS * vecs; i += blockDim.x) {
        const int r = i / vecs, v = i % vecs;
        uint4 val = make_uint4(0, 0, 0, 0);
        if (r < rn) val = *reinterpret_cast<const uint4*>(src(r) + k0 + v * 8);
        *reinterpret_cast<uint4*>(s.a() + r * MMA_LD + v * 8) = val;
    }
}

// acc[f][j] += A rows 16f.. (f < frags) x B_j over K chunk [k0, k0 + kc), B_j = b[j] + k0 (col-major, ld = k).
// live[j] false: the fragment is skipped (features past the end), acc[.][j] is left as is.
__device__ __forceinline__ void mma_chunk(const MmaShared& s, const bf16* b0, const bf16* b1, bool live0,
                                          bool live1, int k, int kc, int frags, FragC (&acc)[2][2]) {
    for (int kk = 0; kk < kc; kk += 16 * MMA_UNROLL) {
        FragB fb[MMA_UNROLL][2];
#pragma unroll
        for (int u = 0; u < MMA_UNROLL; u++) {
            const int ks = kk + 16 * u;
            if (ks < kc) {
                if (live0) wmma::load_matrix_sync(fb[u][0], b0 + ks, k);
                if (live1) wmma::load_matrix_sync(fb[u][1], b1 + ks, k);
            }
        }
#pragma unroll
        for (int u = 0; u < MMA_UNROLL; u++) {
            const int ks = kk + 16 * u;
            if (ks >= kc) break;
#pragma unroll
            for (int f = 0; f < 2; f++) {
                if (f < frags) {
                    FragA fa;
                    wmma::load_matrix_sync(fa, s.a() + f * 16 * MMA_LD + ks, MMA_LD);
                    if (live0) wmma::mma_sync(acc[f][0], fa, fb[u][0], acc[f][0]);
                    if (live1) wmma::mma_sync(acc[f][1], fa, fb[u][1], acc[f][1]);
                }
            }
        }
    }
}

// The group of this block, or false when the block has nothing to do (past *num_groups or outside the row range).
__device__ __forceinline__ bool mma_group(const int* group_expert, const int* group_start, const int* group_count,
                                          const int* num_groups, int min_rows, int max_rows, int& e, int& start,
                                          int& count) {
    const int g = blockIdx.y;
    if (g >= *num_groups) return false;
    count = group_count[g];
    if (count < min_rows || count >= max_rows) return false;
    e = group_expert[g];
    start = group_start[g];
    return true;
}

// act[r, n] = bf16( bf16(silu(bf16(x[src(r)] . Wg_e[n]))) * bf16(x[src(r)] . Wu_e[n]) ), src(r) = row_token[r],
// for the rows r of each group with min_rows <= count < max_rows. x [tokens, k], act [rows, inter].
// Warp w of block b: features n0 = 64 b + 16 w .. n0 + 15 of gate (fragment 0) and up (fragment 1).
// grid = (ceil(inter / 64), groups), block = 128. inter % 16 == 0, k % 16 == 0.
extern "C" __global__ void __launch_bounds__(MMA_WARPS * 32)
expert_gate_up_mma(const bf16* __restrict__ x, const int* __restrict__ row_token,
                   const unsigned long long* __restrict__ gate_ptrs, const unsigned long long* __restrict__ up_ptrs,
                   const int* __restrict__ group_expert, const int* __restrict__ group_start,
                   const int* __restrict__ group_count, const int* __restrict__ num_groups, int min_rows,
                   int max_rows, bf16* __restrict__ act, int k, int inter) {
    __shared__ __align__(128) MmaShared s;
    int e, start, count;
    if (!mma_group(group_expert, group_start, group_count, num_groups, min_rows, max_rows, e, start, count)) return;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int n0 = blockIdx.x * (16 * MMA_WARPS) + warp * 16;
    const bool live = n0 < inter;
    const bf16* wg = reinterpret_cast<const bf16*>(gate_ptrs[e]) + (long long)(live ? n0 : 0) * k;
    const bf16* wu = reinterpret_cast<const bf16*>(up_ptrs[e]) + (long long)(live ? n0 : 0) * k;
    for (int r0 = 0; r0 < count; r0 += MMA_ROWS) {
        const int rn = min(MMA_ROWS, count - r0);
        const int frags = rn > 16 ? 2 : 1;
        FragC acc[2][2];
#pragma unroll
        for (int f = 0; f < 2; f++) {
            wmma::fill_fragment(acc[f][0], 0.0f);
            wmma::fill_fragment(acc[f][1], 0.0f);
        }
        const int* tokens = row_token + start + r0;
        for (int k0 = 0; k0 < k; k0 += MMA_KCHUNK) {
            const int kc = min(MMA_KCHUNK, k - k0);
            __syncthreads();  // the previous chunk's (or pass's) readers are done with s
            stage_a(s, [&](int r) { return x + (long long)tokens[r] * k; }, rn, k0, kc);
            __syncthreads();
            mma_chunk(s, wg + k0, wu + k0, live, live, k, kc, frags, acc);
        }
        __syncthreads();  // s.a -> s.c
        if (live) {
            float* c = s.c[warp];
#pragma unroll
            for (int f = 0; f < 2; f++) {
                if (f < frags) {
                    wmma::store_matrix_sync(c + f * 512, acc[f][0], 16, wmma::mem_row_major);
                    wmma::store_matrix_sync(c + f * 512 + 256, acc[f][1], 16, wmma::mem_row_major);
                }
            }
            __syncwarp();
            for (int i = lane; i < frags * 256; i += 32) {
                const int f = i >> 8, rc = i & 255, r = f * 16 + (rc >> 4), col = rc & 15;
                if (r < rn) {
                    const float gq = round_bf16(c[f * 512 + rc]);
                    const float up = round_bf16(c[f * 512 + 256 + rc]);
                    act[(long long)(start + r0 + r) * inter + n0 + col] =
                            to_bf16(round_bf16(gq / (1.0f + __expf(-gq))) * up);
                }
            }
        }
    }
}

// y[r, n] = bf16(act[r] . Wd_e[n]) for the rows r of each group with min_rows <= count < max_rows;
// act [rows, inter], y [rows, hidden]. Warp w of block b: features n0 = 128 b + 32 w .. n0 + 31 (two fragments).
// grid = (ceil(hidden / 128), groups), block = 128. hidden % 16 == 0, inter % 16 == 0.
extern "C" __global__ void __launch_bounds__(MMA_WARPS * 32)
expert_down_mma(const bf16* __restrict__ act, const unsigned long long* __restrict__ down_ptrs,
                const int* __restrict__ group_expert, const int* __restrict__ group_start,
                const int* __restrict__ group_count, const int* __restrict__ num_groups, int min_rows, int max_rows,
                bf16* __restrict__ y, int inter, int hidden) {
    __shared__ __align__(128) MmaShared s;
    int e, start, count;
    if (!mma_group(group_expert, group_start, group_count, num_groups, min_rows, max_rows, e, start, count)) return;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int n0 = blockIdx.x * (32 * MMA_WARPS) + warp * 32;
    const bool live0 = n0 < hidden, live1 = n0 + 16 < hidden;
    const bf16* wd = reinterpret_cast<const bf16*>(down_ptrs[e]);
    const bf16* b0 = wd + (long long)(live0 ? n0 : 0) * inter;
    const bf16* b1 = wd + (long long)(live1 ? n0 + 16 : 0) * inter;
    for (int r0 = 0; r0 < count; r0 += MMA_ROWS) {
        const int rn = min(MMA_ROWS, count - r0);
        const int frags = rn > 16 ? 2 : 1;
        FragC acc[2][2];
#pragma unroll
        for (int f = 0; f < 2; f++) {
            wmma::fill_fragment(acc[f][0], 0.0f);
            wmma::fill_fragment(acc[f][1], 0.0f);
        }
        const bf16* rows = act + (long long)(start + r0) * inter;
        for (int k0 = 0; k0 < inter; k0 += MMA_KCHUNK) {
            const int kc = min(MMA_KCHUNK, inter - k0);
            __syncthreads();
            stage_a(s, [&](int r) { return rows + (long long)r * inter; }, rn, k0, kc);
            __syncthreads();
            mma_chunk(s, b0 + k0, b1 + k0, live0, live1, inter, kc, frags, acc);
        }
        __syncthreads();
        float* c = s.c[warp];
#pragma unroll
        for (int f = 0; f < 2; f++) {
            if (f < frags) {
                wmma::store_matrix_sync(c + f * 512, acc[f][0], 16, wmma::mem_row_major);
                wmma::store_matrix_sync(c + f * 512 + 256, acc[f][1], 16, wmma::mem_row_major);
            }
        }
        __syncwarp();
        for (int i = lane; i < frags * 512; i += 32) {
            const int f = i >> 9, j = (i >> 8) & 1, rc = i & 255, r = f * 16 + (rc >> 4);
            const int n = n0 + 16 * j + (rc & 15);
            if (r < rn && n < hidden) y[(long long)(start + r0 + r) * hidden + n] = to_bf16(c[i]);
        }
    }
}
