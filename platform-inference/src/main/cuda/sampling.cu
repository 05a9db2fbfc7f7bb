#include "common.cuh"

// Greedy sampling: out[b] = argmax_v logits[b, v], one block per row (logits [rows, vocab] fp32, out [rows] int32).
// NaN entries never win; the lowest index wins ties (same answer as a first-max scan on the CPU).
extern "C" __global__ void argmax_f32(const float* __restrict__ logits, int* __restrict__ out, int vocab) {
    grid_dependency_sync();
    const float* row = logits + (long long)blockIdx.x * vocab;
    float best = -INFINITY;
    int best_i = 0x7fffffff;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        const float x = row[i];
        if (!isnan(x)) better(best, best_i, x, i);
    }
    warp_argmax(best, best_i);
    __shared__ float sv[32];
    __shared__ int si[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { sv[warp] = best; si[warp] = best_i; }
    __syncthreads();
    if (warp == 0) {
        best = lane < (blockDim.x >> 5) ? sv[lane] : -INFINITY;
        best_i = lane < (blockDim.x >> 5) ? si[lane] : 0x7fffffff;
        warp_argmax(best, best_i);
        if (lane == 0) out[blockIdx.x] = best_i == 0x7fffffff ? 0 : best_i;  // an all-NaN row yields 0
    }
}
