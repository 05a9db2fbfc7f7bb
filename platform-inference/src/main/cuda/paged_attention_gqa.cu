#include "common.cuh"

#define GQA_WARPS 4
#define GQA_MAX_GROUP 8  // query heads per kv head handled by one block

// Paged decode attention, grouped: one block per (kv head, sequence, partition) computes all G = num_q_heads /
// num_kv_heads query heads that share the kv head, so each K/V row is read from memory once instead of G times.
// Same math, tensors and outputs as paged_attention (see there):
//   for h in [kvh*G, kvh*G + G):  out[b, h] = sum_t softmax_t(scale * <q[b, h], k_t>) v_t,  t < seq_lens[b]
// Lane l of a warp owns dims [l*DL, l*DL + DL) (head_dim = 32*DL), read with one DL*2-byte load per row; a warp
// takes TOK tokens at a time (their loads in flight together) and keeps an online softmax per query head; the
// 4 warps are merged in shared memory. The caches must be 2*DL-byte aligned (cuMemAlloc gives 256).
// grid = (num_kv_heads, seqs, partitions), block = 128 threads; G <= 8.
template <int DL>
__device__ __forceinline__ void paged_attention_gqa_body(
        const bf16* __restrict__ q, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
        const int* __restrict__ block_tables, const int* __restrict__ seq_lens, bf16* __restrict__ out,
        float* __restrict__ part_out, float* __restrict__ part_ml, long long q_stride, int num_q_heads,
        int num_kv_heads, int block_size, int max_blocks_per_seq, int partition_size, float scale) {
    constexpr int D = 32 * DL;
    constexpr int TOK = DL >= 8 ? 2 : 4;
    const int kvh = blockIdx.x, b = blockIdx.y, p = blockIdx.z, partitions = gridDim.z;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int G = num_q_heads / num_kv_heads;
    const int len = seq_lens[b];
    const int begin = p * partition_size;
    const int end = min(len, begin + partition_size);

    float qv[GQA_MAX_GROUP][DL], acc[GQA_MAX_GROUP][DL], m[GQA_MAX_GROUP], l[GQA_MAX_GROUP];
#pragma unroll
    for (int g = 0; g < GQA_MAX_GROUP; g++) {
        if (g < G) {
            load_bf16s<DL>(q + b * q_stride + (long long)(kvh * G + g) * D + lane * DL, qv[g]);
        }
#pragma unroll
        for (int j = 0; j < DL; j++) {
            qv[g][j] = g < G ? qv[g][j] * scale : 0.0f;
            acc[g][j] = 0.0f;
        }
        m[g] = -INFINITY;
        l[g] = 0.0f;
    }
    const int* table = block_tables + (long long)b * max_blocks_per_seq;
    const long long token_stride = (long long)num_kv_heads * D;
    for (int t0 = begin + warp * TOK; t0 < end; t0 += GQA_WARPS * TOK) {
        float kf[TOK][DL], vf[TOK][DL];
#pragma unroll
        for (int i = 0; i < TOK; i++) {
            const int t = min(t0 + i, end - 1);  // past the end: reload the last row, masked below
            const long long slot = (long long)table[t / block_size] * block_size + t % block_size;
            const long long off = slot * token_stride + (long long)kvh * D + lane * DL;
            load_bf16s<DL>(k_cache + off, kf[i]);
            load_bf16s<DL>(v_cache + off, vf[i]);
        }
#pragma unroll
        for (int g = 0; g < GQA_MAX_GROUP; g++) {
            if (g >= G) continue;
            float s[TOK];
            float m_new = m[g];
#pragma unroll
            for (int i = 0; i < TOK; i++) {
                float dot = 0.0f;
#pragma unroll
                for (int j = 0; j < DL; j++) dot += qv[g][j] * kf[i][j];
                s[i] = t0 + i < end ? warp_sum(dot) : -INFINITY;
                m_new = fmaxf(m_new, s[i]);
            }
            const float c = __expf(m[g] - m_new);  // m_new is finite: token t0 is always in range
            l[g] *= c;
#pragma unroll
            for (int j = 0; j < DL; j++) acc[g][j] *= c;
#pragma unroll
            for (int i = 0; i < TOK; i++) {
                const float w = __expf(s[i] - m_new);
                l[g] += w;
#pragma unroll
                for (int j = 0; j < DL; j++) acc[g][j] += w * vf[i][j];
            }
            m[g] = m_new;
        }
    }

    // Merge the warps per query head: M = max m_w, L = sum l_w e^(m_w - M), O = sum acc_w e^(m_w - M) / L.
    __shared__ float sm[GQA_WARPS][GQA_MAX_GROUP], sl[GQA_WARPS][GQA_MAX_GROUP];
    __shared__ float sacc[GQA_WARPS][GQA_MAX_GROUP][D];
#pragma unroll
    for (int g = 0; g < GQA_MAX_GROUP; g++) {
        if (g < G) {
            if (lane == 0) { sm[warp][g] = m[g]; sl[warp][g] = l[g]; }
#pragma unroll
            for (int j = 0; j < DL; j++) sacc[warp][g][lane * DL + j] = acc[g][j];
        }
    }
    __syncthreads();
    for (int e = threadIdx.x; e < G * D; e += blockDim.x) {
        const int g = e / D, d = e % D;
        float M = -INFINITY;
        for (int w = 0; w < GQA_WARPS; w++) M = fmaxf(M, sm[w][g]);
        float L = 0.0f, o = 0.0f;
        for (int w = 0; w < GQA_WARPS; w++) {
            if (sm[w][g] == -INFINITY) continue;  // a warp that saw no token
            const float f = __expf(sm[w][g] - M);
            L += sl[w][g] * f;
            o += sacc[w][g][d] * f;
        }
        o = L > 0.0f ? o / L : 0.0f;  // empty range or seq_len 0: zeros, never NaN
        const long long head_row = (long long)b * num_q_heads + kvh * G + g;
        if (partitions == 1) {
            out[head_row * D + d] = to_bf16(o);
        } else {
            part_out[(head_row * partitions + p) * D + d] = o;
            if (d == 0) {
                part_ml[(head_row * partitions + p) * 2] = M;
                part_ml[(head_row * partitions + p) * 2 + 1] = L;
            }
        }
    }
}

#define GQA_ENTRY(NAME, DL)                                                                                        \
    extern "C" __global__ void __launch_bounds__(GQA_WARPS * 32) NAME(                                             \
            const bf16* __restrict__ q, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,        \
            const int* __restrict__ block_tables, const int* __restrict__ seq_lens, bf16* __restrict__ out,        \
            float* __restrict__ part_out, float* __restrict__ part_ml, long long q_stride, int num_q_heads,        \
            int num_kv_heads, int block_size, int max_blocks_per_seq, int partition_size, float scale) {           \
        grid_dependency_sync();                                                                                    \
        paged_attention_gqa_body<DL>(q, k_cache, v_cache, block_tables, seq_lens, out, part_out, part_ml,          \
                                     q_stride, num_q_heads, num_kv_heads, block_size, max_blocks_per_seq,          \
                                     partition_size, scale);                                                       \
    }

GQA_ENTRY(paged_attention_gqa_d64, 2)
GQA_ENTRY(paged_attention_gqa_d128, 4)
GQA_ENTRY(paged_attention_gqa_d256, 8)
