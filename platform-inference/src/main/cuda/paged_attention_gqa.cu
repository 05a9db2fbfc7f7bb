#include "attention_mma.cuh"

#define GQA_WARPS 4
#define GQA_MAX_GROUP 8  // query heads per kv head handled by one block

// Merges the block's 4 warps per query head and stores the result: M = max m_w, L = sum l_w e^(m_w - M),
// O = sum acc_w e^(m_w - M) / L (un-normalized acc, natural-log m); bf16 rows of out with one partition, else fp32
// partial rows and (M, L) for paged_attention_reduce. Called by all threads of the block after the warps filled
// sm, sl and sacc for query heads < G.
template <int D>
__device__ __forceinline__ void gqa_merge_warps(float (&sm)[GQA_WARPS][GQA_MAX_GROUP],
                                                float (&sl)[GQA_WARPS][GQA_MAX_GROUP],
                                                float (&sacc)[GQA_WARPS][GQA_MAX_GROUP][D], bf16* __restrict__ out,
                                                float* __restrict__ part_out, float* __restrict__ part_ml, int b,
                                                int kvh, int G, int p, int partitions, int num_q_heads) {
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
    gqa_merge_warps<D>(sm, sl, sacc, out, part_out, part_ml, b, kvh, G, p, partitions, num_q_heads);
}

#define GQA_ENTRY(NAME, BODY)                                                                                        \
    extern "C" __global__ void __launch_bounds__(GQA_WARPS * 32) NAME(                                             \
            const bf16* __restrict__ q, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,        \
            const int* __restrict__ block_tables, const int* __restrict__ seq_lens, bf16* __restrict__ out,        \
            float* __restrict__ part_out, float* __restrict__ part_ml, long long q_stride, int num_q_heads,        \
            int num_kv_heads, int block_size, int max_blocks_per_seq, int partition_size, float scale) {           \
        grid_dependency_sync();                                                                                    \
        BODY(q, k_cache, v_cache, block_tables, seq_lens, out, part_out, part_ml, q_stride, num_q_heads,           \
             num_kv_heads, block_size, max_blocks_per_seq, partition_size, scale);                                  \
    }

GQA_ENTRY(paged_attention_gqa_d64, paged_attention_gqa_body<2>)
GQA_ENTRY(paged_attention_gqa_d128, paged_attention_gqa_body<4>)
GQA_ENTRY(paged_attention_gqa_d256, paged_attention_gqa_body<8>)

// The same attention with tensor cores (mma.sync.m16n8k16, bf16 in, fp32 accumulate): same grid, block, arguments and
// outputs as paged_attention_gqa. A warp takes 16 tokens at a time:
//   S^T [16 tokens x 8 heads] = K [16 x D] . Q^T [D x 8]          D/16 mmas; heads >= G get q = 0 and are not stored
//   online softmax per head over the 16 scores (m, l per head, natural log as in paged_attention_gqa)
//   O^T [D x 8 heads] += V^T [D x 16 tokens] . P^T [16 x 8]       D/16 mmas, P rounded to bf16 (as FlashAttention)
// The CUDA-core kernel spends ~40 warp shuffles per token on its dot products; here a 16-token tile costs 14.
// Operands come straight from global memory into registers, in orders the mma accepts (lane = 4g + t):
// - QK: K rows g and g + 8 and Q's head g, elements 32c + 8t .. 32c + 8t + 7 of every 32-wide chunk c, one 16-byte load
//   each; both operands use that permuted k order (mma_k32), so every dot product is a full sum over D.
// - PV: lane loads 16 bytes (dims 64u + 8g .. + 7) of the V rows of tokens 2t, 2t + 1, 2t + 8, 2t + 9 and pairs the
//   tokens with byte permutes: for m-tile j of pass u, rows g and g + 8 of V^T are dims 64u + 8g + 2j and + 1.
//   P^T arrives in the mma's B layout by 4 shuffles of bf16 pairs from the lanes whose S^T outputs hold them.
// Accumulator acc[4u + j] = O^T rows (64u + 8g + 2j, + 1) x heads (2t, 2t + 1); rescaled by the lane's own heads.
// Needs q, its row stride and the caches 16-byte aligned (the Java side checks), D in {64, 128, 256}, G <= 8.
template <int D>
__device__ __forceinline__ void paged_attention_gqa_mma_body(
        const bf16* __restrict__ q, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
        const int* __restrict__ block_tables, const int* __restrict__ seq_lens, bf16* __restrict__ out,
        float* __restrict__ part_out, float* __restrict__ part_ml, long long q_stride, int num_q_heads,
        int num_kv_heads, int block_size, int max_blocks_per_seq, int partition_size, float scale) {
    constexpr int C = D / 32;  // 32-wide k chunks of the QK product
    constexpr int U = D / 64;  // 64-dim passes of the PV product, 4 m-tiles each
    const int kvh = blockIdx.x, b = blockIdx.y, p = blockIdx.z, partitions = gridDim.z;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
    const int G = num_q_heads / num_kv_heads;
    const int len = seq_lens[b];
    const int begin = p * partition_size;
    const int end = min(len, begin + partition_size);
    const long long token_stride = (long long)num_kv_heads * D;
    const bf16* kh = k_cache + (long long)kvh * D;
    const bf16* vh = v_cache + (long long)kvh * D;
    const int* table = block_tables + (long long)b * max_blocks_per_seq;

    uint4 qf[C];
#pragma unroll
    for (int c = 0; c < C; c++) {
        qf[c] = g < G ? *reinterpret_cast<const uint4*>(q + b * q_stride + (long long)(kvh * G + g) * D + 32 * c + 8 * t)
                      : make_uint4(0, 0, 0, 0);
    }
    float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f};  // heads 2t, 2t + 1
    float acc[4 * U][4];
#pragma unroll
    for (int i = 0; i < 4 * U; i++) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.0f;

    for (int t0 = begin + warp * 16; t0 < end; t0 += GQA_WARPS * 16) {
        // this lane's K rows: tokens t0 + g and t0 + g + 8 (past the end: the last row again, masked below)
        const int ta = min(t0 + g, end - 1), tb = min(t0 + g + 8, end - 1);
        const int sa = table[ta / block_size] * block_size + ta % block_size;
        const int sb = table[tb / block_size] * block_size + tb % block_size;
        KvStep<C, U> kv;
        kv.load(kh, vh, token_stride, sa, sb, g, t);
        // s = S^T: (token g, heads 2t, 2t + 1), (token g + 8, same heads)
        float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
        for (int c = 0; c < C; c++) mma_k32(s, kv.ka[c], kv.kb[c], qf[c]);
        const bool in_a = t0 + g < end, in_b = t0 + g + 8 < end;
        s[0] = in_a ? s[0] * scale : -INFINITY;
        s[1] = in_a ? s[1] * scale : -INFINITY;
        s[2] = in_b ? s[2] * scale : -INFINITY;
        s[3] = in_b ? s[3] * scale : -INFINITY;
        float mx0 = fmaxf(s[0], s[2]), mx1 = fmaxf(s[1], s[3]);
#pragma unroll
        for (int o = 4; o < 32; o <<= 1) {  // over the 8 lanes of each head pair (same t)
            mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, o));
            mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, o));
        }
        const float mn0 = fmaxf(m[0], mx0), mn1 = fmaxf(m[1], mx1);  // finite: token t0 is in range
        const float c0 = __expf(m[0] - mn0), c1 = __expf(m[1] - mn1);
        m[0] = mn0;
        m[1] = mn1;
        const float p0 = __expf(s[0] - mn0), p1 = __expf(s[1] - mn1);
        const float p2 = __expf(s[2] - mn0), p3 = __expf(s[3] - mn1);
        l[0] = l[0] * c0 + p0 + p2;
        l[1] = l[1] * c1 + p1 + p3;
#pragma unroll
        for (int i = 0; i < 4 * U; i++) {
            acc[i][0] *= c0;
            acc[i][2] *= c0;
            acc[i][1] *= c1;
            acc[i][3] *= c1;
        }
        // P^T in the B layout: head g, tokens (2t, 2t + 1) and (2t + 8, 2t + 9). Token j's heads (2h, 2h + 1) sit in
        // lane 4(j % 8) + h as a bf16 pair (low: even head).
        const __nv_bfloat162 lo_pair = __floats2bfloat162_rn(p0, p1), hi_pair = __floats2bfloat162_rn(p2, p3);
        const unsigned plo = *reinterpret_cast<const unsigned*>(&lo_pair);
        const unsigned phi = *reinterpret_cast<const unsigned*>(&hi_pair);
        const int from_even = 8 * t + (g >> 1), from_odd = from_even + 4;
        const unsigned w0 = __shfl_sync(0xffffffffu, plo, from_even), w1 = __shfl_sync(0xffffffffu, plo, from_odd);
        const unsigned w8 = __shfl_sync(0xffffffffu, phi, from_even), w9 = __shfl_sync(0xffffffffu, phi, from_odd);
        const unsigned sel = (g & 1) ? 0x7632u : 0x5410u;  // this lane's head: high or low halves
        const unsigned b0 = __byte_perm(w0, w1, sel), b1 = __byte_perm(w8, w9, sel);
#pragma unroll
        for (int u = 0; u < U; u++) {
#pragma unroll
            for (int j = 0; j < 4; j++) {
                mma16816(acc[4 * u + j], kv.v_pair(u, j, false, 0x5410u), kv.v_pair(u, j, false, 0x7632u),
                         kv.v_pair(u, j, true, 0x5410u), kv.v_pair(u, j, true, 0x7632u), b0, b1);
            }
        }
    }
#pragma unroll
    for (int o = 4; o < 32; o <<= 1) {
        l[0] += __shfl_xor_sync(0xffffffffu, l[0], o);
        l[1] += __shfl_xor_sync(0xffffffffu, l[1], o);
    }

    __shared__ float sm[GQA_WARPS][GQA_MAX_GROUP], sl[GQA_WARPS][GQA_MAX_GROUP];
    __shared__ float sacc[GQA_WARPS][GQA_MAX_GROUP][D];
    const int h0 = 2 * t, h1 = 2 * t + 1;
    if (g == 0) {
        sm[warp][h0] = m[0];
        sm[warp][h1] = m[1];
        sl[warp][h0] = l[0];
        sl[warp][h1] = l[1];
    }
#pragma unroll
    for (int u = 0; u < U; u++) {
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int d = 64 * u + 8 * g + 2 * j;
            sacc[warp][h0][d] = acc[4 * u + j][0];
            sacc[warp][h1][d] = acc[4 * u + j][1];
            sacc[warp][h0][d + 1] = acc[4 * u + j][2];
            sacc[warp][h1][d + 1] = acc[4 * u + j][3];
        }
    }
    gqa_merge_warps<D>(sm, sl, sacc, out, part_out, part_ml, b, kvh, G, p, partitions, num_q_heads);
}

GQA_ENTRY(paged_attention_gqa_mma_d64, paged_attention_gqa_mma_body<64>)
GQA_ENTRY(paged_attention_gqa_mma_d128, paged_attention_gqa_mma_body<128>)
GQA_ENTRY(paged_attention_gqa_mma_d256, paged_attention_gqa_mma_body<256>)
