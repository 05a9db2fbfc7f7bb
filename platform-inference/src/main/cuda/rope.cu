#include "common.cuh"

// RoPE, neox style (rotate-half, as HF Llama/Qwen), in place on q and k, with an optional per-head RMSNorm first
// (Qwen3's q_norm/k_norm). grid = (tokens, num_q_heads + num_kv_heads), block = head_dim / 2 threads; thread i
// owns the pair (i, i + D/2) of one head vector x (D = head_dim):
//   if norm_w != null:  x = bf16( norm_w * bf16( x / sqrt(mean(x^2) + eps) ) )
//   c = cos_table[pos, i], s = sin_table[pos, i]   (pos = positions[token]; tables [max_pos, D/2] fp32,
//                                                  angle = pos * theta^(-2i/D), or a scaled variant made on the host)
//   x'[i]       = x[i] * c - x[i + D/2] * s
//   x'[i + D/2] = x[i + D/2] * c + x[i] * s
// computed in fp32 and rounded once to bf16. q [tokens, q_stride] holds num_q_heads heads of D contiguously from
// each row's start, k likewise with k_stride (strides in elements, so q and k may be views into a fused qkv buffer).
// The whole head_dim is rotated (partial rotary is not supported).
extern "C" __global__ void rope_neox(bf16* q, bf16* k, const int* __restrict__ positions,
                                     const float* __restrict__ cos_table, const float* __restrict__ sin_table,
                                     const bf16* __restrict__ q_norm_w, const bf16* __restrict__ k_norm_w,
                                     int num_q_heads, int num_kv_heads, int head_dim,
                                     long long q_stride, long long k_stride, float eps) {
    grid_dependency_sync();
    const int t = blockIdx.x, h = blockIdx.y, i = threadIdx.x, half = head_dim / 2;
    const bool is_q = h < num_q_heads;
    bf16* x = is_q ? q + t * q_stride + (long long)h * head_dim
                   : k + t * k_stride + (long long)(h - num_q_heads) * head_dim;
    const bf16* norm_w = is_q ? q_norm_w : k_norm_w;
    float a = to_f32(x[i]), b = to_f32(x[i + half]);
    if (norm_w != nullptr) {  // branch is uniform over the block, so block_sum's barriers are safe
        const float inv_rms = rsqrtf(block_sum(a * a + b * b) / head_dim + eps);
        a = round_bf16(to_f32(norm_w[i]) * round_bf16(a * inv_rms));
        b = round_bf16(to_f32(norm_w[i + half]) * round_bf16(b * inv_rms));
    }
    const long long p = (long long)positions[t] * half + i;
    const float c = cos_table[p], s = sin_table[p];
    x[i] = to_bf16(a * c - b * s);
    x[i + half] = to_bf16(b * c + a * s);
}
