#include "common.cuh"

// Fused residual add + RMSNorm, one block per row (tokens rows of width hidden), fp32 accumulation:
//   if residual != null:  s = bf16(x + residual);  residual = s      (the new residual stream)
//   else:                 s = x
//   out = bf16( weight * bf16( s / sqrt(mean(s^2) + eps) ) )
// The two roundings follow HF transformers (Llama/Qwen RMSNorm casts the normalized value to the input dtype
// before the weight multiply). x [tokens, hidden], residual [tokens, hidden] (nullable), weight [hidden],
// out [tokens, hidden], all bf16. out may alias x. block: hidden / 4 threads rounded up to a warp, at most 1024.
// hidden <= RMS_MAX_PER_THREAD * blockDim.x (common.cuh; the launcher checks)

extern "C" __global__ void rmsnorm(const bf16* x, bf16* residual, const bf16* __restrict__ weight, bf16* out,
                                   int hidden, float eps) {
    grid_dependency_sync();
    const long long row = (long long)blockIdx.x * hidden;
    // The row stays in registers: every load is issued before the first use (x and residual may alias out, so a
    // loop that stores between loads would serialize them), and the second pass reads nothing again.
    float v[RMS_MAX_PER_THREAD];
#pragma unroll
    for (int j = 0; j < RMS_MAX_PER_THREAD; j++) {
        const int i = threadIdx.x + j * blockDim.x;
        v[j] = i < hidden ? to_f32(x[row + i]) : 0.0f;
    }
    if (residual != nullptr) {
        float r[RMS_MAX_PER_THREAD];
#pragma unroll
        for (int j = 0; j < RMS_MAX_PER_THREAD; j++) {
            const int i = threadIdx.x + j * blockDim.x;
            r[j] = i < hidden ? to_f32(residual[row + i]) : 0.0f;
        }
#pragma unroll
        for (int j = 0; j < RMS_MAX_PER_THREAD; j++) {
            const int i = threadIdx.x + j * blockDim.x;
            v[j] = round_bf16(v[j] + r[j]);
            if (i < hidden) residual[row + i] = to_bf16(v[j]);
        }
    }
    float sumsq = 0.0f;
#pragma unroll
    for (int j = 0; j < RMS_MAX_PER_THREAD; j++) sumsq += v[j] * v[j];  // zeros past the row add nothing
    const float inv_rms = rsqrtf(block_sum(sumsq) / hidden + eps);
#pragma unroll
    for (int j = 0; j < RMS_MAX_PER_THREAD; j++) {
        const int i = threadIdx.x + j * blockDim.x;
        if (i < hidden) out[row + i] = to_bf16(to_f32(weight[i]) * round_bf16(v[j] * inv_rms));
    }
}
