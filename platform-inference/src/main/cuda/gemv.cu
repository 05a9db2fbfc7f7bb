#include "common.cuh"

// Linear layer for a handful of rows (decode batches), where cuBLAS's GEMM tiles waste most of their work:
//   y[m, n] = sum_k x[m, k] * w[n, k]       x [rows, K] bf16, w [N, K] bf16 (HF layout), rows <= MAXM
//   y is bf16 (out_f32 == 0) or fp32 [rows, N]; fp32 accumulation. K % 8 == 0, x and w 16-byte aligned.
// One warp per output feature n. Each lane streams 16-byte chunks of w's row (8 bf16), UNROLL chunks in flight
// before any arithmetic so that enough bytes are outstanding to approach HBM bandwidth, and reuses every chunk for
// all rows of x (whose chunks come from L1/L2: x is tiny and shared by every warp). block = 128 (4 features).
// UNROLL = 8 (gemv_bf16_m*) makes a round 4 KB per warp: a 4,096-wide row (o_proj) takes two rounds instead of four,
// and at batch 1 each round is a full memory latency. gemv3 keeps 4: at 59 instead of 39 registers a q/k/v launch
// (1,280 blocks for Qwen3) no longer fits the GPU in one wave.
// w must not be written by an earlier kernel of the same stream: its first chunks are read before the grid
// dependency wait (weights are written once, at load, before any step).

template <int MAXM, int UNROLL>
__device__ __forceinline__ void gemv_small(const bf16* __restrict__ x, const bf16* __restrict__ w,
                                           void* __restrict__ y, int rows, int k, int n_out, int out_f32,
                                           int block) {
    const int lane = threadIdx.x & 31;
    const int n = block * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const bf16* wr = w + (long long)n * k;
    // The weights do not depend on the previous kernel: the first UNROLL chunks of this warp's row are loaded
    // before the grid dependency wait, so with programmatic launch they stream in while the previous kernel runs.
    uint4 wv[UNROLL];
#pragma unroll
    for (int u = 0; u < UNROLL; u++) {
        const int c = lane * 8 + u * 256;
        wv[u] = n < n_out && c < k ? __ldg(reinterpret_cast<const uint4*>(wr + c)) : make_uint4(0, 0, 0, 0);
    }
    grid_dependency_sync();
    if (n >= n_out) return;
    float acc[MAXM];
#pragma unroll
    for (int r = 0; r < MAXM; r++) acc[r] = 0.0f;
    for (int c0 = lane * 8; c0 < k; c0 += 256 * UNROLL) {
        if (c0 != lane * 8) {
#pragma unroll
            for (int u = 0; u < UNROLL; u++) {
                const int c = c0 + u * 256;
                wv[u] = c < k ? __ldg(reinterpret_cast<const uint4*>(wr + c)) : make_uint4(0, 0, 0, 0);
            }
        }
#pragma unroll
        for (int u = 0; u < UNROLL; u++) {
            const int c = c0 + u * 256;
            if (c < k) {
                const bf16* wb = reinterpret_cast<const bf16*>(&wv[u]);
                float wf[8];
#pragma unroll
                for (int j = 0; j < 8; j++) wf[j] = to_f32(wb[j]);
#pragma unroll
                for (int r = 0; r < MAXM; r++) {
                    if (r < rows) {
                        const uint4 xv = *reinterpret_cast<const uint4*>(x + (long long)r * k + c);
                        const bf16* xb = reinterpret_cast<const bf16*>(&xv);
#pragma unroll
                        for (int j = 0; j < 8; j++) acc[r] += to_f32(xb[j]) * wf[j];
                    }
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < MAXM; r++) {
        const float s = warp_sum(acc[r]);
        if (lane == 0 && r < rows) {
            if (out_f32) reinterpret_cast<float*>(y)[(long long)r * n_out + n] = s;
            else reinterpret_cast<bf16*>(y)[(long long)r * n_out + n] = to_bf16(s);
        }
    }
}

// One entry point per row bound (Java picks gemv_bf16_m1/m2/m4/m8 by the row count).
#define GEMV_ENTRY(M)                                                                                       \
    extern "C" __global__ void __launch_bounds__(128)                                                       \
        gemv_bf16_m##M(const bf16* x, const bf16* w, void* y, int rows, int k, int n, int out_f32) {        \
        gemv_small<M, 8>(x, w, y, rows, k, n, out_f32, blockIdx.x);                                            \
    }
GEMV_ENTRY(1)
GEMV_ENTRY(2)
GEMV_ENTRY(4)
GEMV_ENTRY(8)

// Up to three linear layers of the same input in one launch (q, k and v of an attention block):
//   y_i[m, n] = sum_k x[m, k] * w_i[n, k]     i < 3, w_i [n_i, K], y_i [rows, n_i] bf16; n_i = 0 leaves one out.
// Blocks 0 .. ceil(n_0/4)-1 compute y_0, the next ceil(n_1/4) y_1, the rest y_2: the same arithmetic per output as
// gemv_bf16_m*, so the results are bit-identical to three separate launches. grid = sum of ceil(n_i / 4).
#define GEMV3_ENTRY(M)                                                                                      \
    extern "C" __global__ void __launch_bounds__(128) gemv3_bf16_m##M(                                      \
            const bf16* x, const bf16* w0, const bf16* w1, const bf16* w2, bf16* y0, bf16* y1, bf16* y2,    \
            int n0, int n1, int n2, int rows, int k) {                                                      \
        const int b0 = (n0 + 3) / 4, b1 = (n1 + 3) / 4;                                                     \
        const int b = blockIdx.x;                                                                           \
        if (b < b0) gemv_small<M, 4>(x, w0, y0, rows, k, n0, 0, b);                                            \
        else if (b < b0 + b1) gemv_small<M, 4>(x, w1, y1, rows, k, n1, 0, b - b0);                             \
        else gemv_small<M, 4>(x, w2, y2, rows, k, n2, 0, b - b0 - b1);                                         \
    }
GEMV3_ENTRY(1)
GEMV3_ENTRY(2)
GEMV3_ENTRY(4)
GEMV3_ENTRY(8)
