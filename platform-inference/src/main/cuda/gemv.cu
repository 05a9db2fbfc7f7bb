#include "common.cuh"

// Linear layer for a handful of rows (decode batches), where cuBLAS's GEMM tiles waste most of their work:
//   y[m, n] = sum_k x[m, k] * w[n, k]       x [rows, K] bf16, w [N, K] bf16 (HF layout), rows <= MAXM
//   y is bf16 (out_f32 == 0) or fp32 [rows, N]; fp32 accumulation. K % 8 == 0, x and w 16-byte aligned.
// One warp per output feature n. Each lane streams 16-byte chunks of w's row (8 bf16), GEMV_UNROLL chunks in flight
// before any arithmetic so that enough bytes are outstanding to approach HBM bandwidth, and reuses every chunk for
// all rows of x (whose chunks come from L1/L2: x is tiny and shared by every warp). block = 128 (4 features).

#define GEMV_UNROLL 4

template <int MAXM>
__device__ __forceinline__ void gemv_small(const bf16* __restrict__ x, const bf16* __restrict__ w,
                                           void* __restrict__ y, int rows, int k, int n_out, int out_f32) {
    const int lane = threadIdx.x & 31;
    const int n = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (n >= n_out) return;
    const bf16* wr = w + (long long)n * k;
    float acc[MAXM];
#pragma unroll
    for (int r = 0; r < MAXM; r++) acc[r] = 0.0f;
    for (int c0 = lane * 8; c0 < k; c0 += 256 * GEMV_UNROLL) {
        uint4 wv[GEMV_UNROLL];
#pragma unroll
        for (int u = 0; u < GEMV_UNROLL; u++) {
            const int c = c0 + u * 256;
            wv[u] = c < k ? __ldg(reinterpret_cast<const uint4*>(wr + c)) : make_uint4(0, 0, 0, 0);
        }
#pragma unroll
        for (int u = 0; u < GEMV_UNROLL; u++) {
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
        gemv_small<M>(x, w, y, rows, k, n, out_f32);                                                        \
    }
GEMV_ENTRY(1)
GEMV_ENTRY(2)
GEMV_ENTRY(4)
GEMV_ENTRY(8)
