#include "common.cuh"

// Fused residual add + RMSNorm, one block per row (tokens rows of width hidden), fp32 accumulation:
//   if residual != null:  s = bf16(x + residual);  residual = s      (the new residual stream)
//   else:                 s = x
//   out = bf16( weight * bf16( s / sqrt(mean(s^2) + eps) ) )
// The two roundings follow HF transformers (Llama/Qwen RMSNorm casts the normalized value to the input dtype
// before the weight multiply). x [tokens, hidden], residual [tokens, hidden] (nullable), weight [hidden],
// out [tokens, hidden], all bf16. out may alias x. Each thread re-reads only the elements it wrote itself.
extern "C" __global__ void rmsnorm(const bf16* x, bf16* residual, const bf16* __restrict__ weight, bf16* out,
                                   int hidden, float eps) {
    const long long row = (long long)blockIdx.x * hidden;
    float sumsq = 0.0f;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
        float s = to_f32(x[row + i]);
        if (residual != nullptr) {
            s = round_bf16(s + to_f32(residual[row + i]));
            residual[row + i] = to_bf16(s);
        }
        sumsq += s * s;
    }
    const float inv_rms = rsqrtf(block_sum(sumsq) / hidden + eps);
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
        const float s = residual != nullptr ? to_f32(residual[row + i]) : to_f32(x[row + i]);
        out[row + i] = to_bf16(to_f32(weight[i]) * round_bf16(s * inv_rms));
    }
}
