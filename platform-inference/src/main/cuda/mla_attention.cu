// Multi-head latent attention (DeepSeek-V2/V3) over a paged latent cache, in the absorbed form. Shapes, per step of
// T tokens (H heads, R = kv_lora_rank, P = qk_rope_head_dim, N = qk_nope_head_dim, V = v_head_dim, W = R + P):
//   kv      [T, W]            kv_a_proj_with_mqa output (bf16): c = kv[:R], k_pe = kv[R:]
//   q       [T, H * (N + P)]  per head [q_nope | q_pe] (bf16)
//   kv_b    [H * (N + V), R]  kv_b_proj weight (bf16): head h's rows h*(N+V) .. +N are W_uk, the next V rows W_uv
//   cache   [slots, W]        one latent row per cached token: [rmsnorm(c) | rope(k_pe)] (bf16)
// Decode and prefill run the same kernels: every query attends to positions 0 .. its own (lengths[t] of them), so a
// prefill chunk is causal without a mask. The rope layout follows the model: rotate-half (pairs i, i + P/2) or
// interleaved (pairs 2i, 2i + 1, DeepSeek's checkpoints); q and k use the same, so their dot product is the model's.
#include "common.cuh"

// Rotates one pair by the position's angle: the cos/sin tables already carry the YaRN attention scaling.
__device__ __forceinline__ void rotate_pair(float& a, float& b, float c, float s) {
    const float ra = a * c - b * s;
    const float rb = b * c + a * s;
    a = ra;
    b = rb;
}

// cache[slot(t)] = [rmsnorm(c_t) * norm | rope(k_pe_t)], one block per token (padding tokens have slot -1).
// norm [R] bf16; cos/sin [positions, P/2] fp32. The normalized c is rounded to bf16 once, as the reference stores it.
extern "C" __global__ void mla_latent_write(const bf16* __restrict__ kv, const bf16* __restrict__ norm, float eps,
                                            const float* __restrict__ cos_table, const float* __restrict__ sin_table,
                                            const int* __restrict__ positions, const int* __restrict__ slots,
                                            bf16* __restrict__ cache, int rank, int rope_dim, int interleaved) {
    grid_dependency_sync();
    const int t = blockIdx.x;
    const int slot = slots[t];
    if (slot < 0) return;
    const int width = rank + rope_dim;
    const bf16* row = kv + (size_t)t * width;
    bf16* out = cache + (size_t)slot * width;
    float squares = 0.0f;
    for (int i = threadIdx.x; i < rank; i += blockDim.x) {
        const float v = to_f32(row[i]);
        squares += v * v;
    }
    const float inv = rsqrtf(block_sum(squares) / rank + eps);
    for (int i = threadIdx.x; i < rank; i += blockDim.x) {
        out[i] = to_bf16(to_f32(norm[i]) * (to_f32(row[i]) * inv));
    }
    const int half = rope_dim / 2;
    const float* c = cos_table + (size_t)positions[t] * half;
    const float* s = sin_table + (size_t)positions[t] * half;
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
        const int ia = interleaved ? 2 * i : i;
        const int ib = interleaved ? ia + 1 : i + half;
        float a = to_f32(row[rank + ia]);
        float b = to_f32(row[rank + ib]);
        rotate_pair(a, b, c[i], s[i]);
        out[rank + ia] = to_bf16(a);
        out[rank + ib] = to_bf16(b);
    }
}

// Query side of the absorbed form, one block per (token, head, strip of 64 latent columns):
//   qc[t, h, r] = sum_n q_nope[t, h, n] * kv_b[h*(N+V) + n, r]     r < R   (fp32)
//   qp[t, h]    = rope(q_pe[t, h])                                  [P]     (fp32, strip 0 only)
// Thread (slice, c) of the 4 x 64 threads sums n = slice, slice + 4, ... for column c (each row read by 64
// consecutive threads: coalesced), the 4 slices add up in shared memory. Many strips keep the SMs busy at batch 1,
// where one block per head would leave most of them idle.
#define MLA_STRIP 64
extern "C" __global__ void mla_absorb_query(const bf16* __restrict__ q, const bf16* __restrict__ kv_b,
                                            const float* __restrict__ cos_table, const float* __restrict__ sin_table,
                                            const int* __restrict__ positions, float* __restrict__ qc,
                                            float* __restrict__ qp, int heads, int rank, int nope_dim, int rope_dim,
                                            int v_dim, int interleaved) {
    grid_dependency_sync();
    extern __shared__ float q_nope[];
    __shared__ float partial[4][MLA_STRIP];
    const int t = blockIdx.x, h = blockIdx.y, strip = blockIdx.z;
    const int qk = nope_dim + rope_dim;
    const bf16* qh = q + ((size_t)t * heads + h) * qk;
    for (int n = threadIdx.x; n < nope_dim; n += blockDim.x) q_nope[n] = to_f32(qh[n]);
    __syncthreads();
    const int c = threadIdx.x % MLA_STRIP, slice = threadIdx.x / MLA_STRIP;
    const int r = strip * MLA_STRIP + c;
    const bf16* w_uk = kv_b + (size_t)h * (nope_dim + v_dim) * rank;
    float acc = 0.0f;
    if (r < rank) {
        for (int n = slice; n < nope_dim; n += 4) acc += q_nope[n] * to_f32(w_uk[(size_t)n * rank + r]);
    }
    partial[slice][c] = acc;
    __syncthreads();
    if (slice == 0 && r < rank) {
        qc[((size_t)t * heads + h) * rank + r] = partial[0][c] + partial[1][c] + partial[2][c] + partial[3][c];
    }
    if (strip != 0) return;
    const int half = rope_dim / 2;
    const float* cs = cos_table + (size_t)positions[t] * half;
    const float* sn = sin_table + (size_t)positions[t] * half;
    float* pe = qp + ((size_t)t * heads + h) * rope_dim;
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
        const int ia = interleaved ? 2 * i : i;
        const int ib = interleaved ? ia + 1 : i + half;
        float a = to_f32(qh[nope_dim + ia]);
        float b = to_f32(qh[nope_dim + ib]);
        rotate_pair(a, b, cs[i], sn[i]);
        pe[ia] = a;
        pe[ib] = b;
    }
}

// Attention over the latent, one block per (token, head, partition of its context), 8 warps:
//   score_j = (qc . c_j + qp . kpe_j) * scale      j in the partition, j < lengths[t]
//   o       = sum_j softmax(score)_j c_j           [R]
// Each warp walks positions j = warp, warp + 8, ... with an online softmax (running max m, sum l, o in registers:
// R / 32 floats per lane); the warps then merge through shared memory. With one partition the block writes o
// normalized to o_out [T, H, R]; with several it writes its unnormalized o, m and l to the split-K scratch
// (o_part [T, H, parts, R], ml [T, H, parts, 2]) for mla_attend_reduce. R <= 1024 and P <= 128.
#define MLA_WARPS 8
#define MLA_MAX_R_PER_LANE 32
#define MLA_MAX_P_PER_LANE 4
extern "C" __global__ void __launch_bounds__(MLA_WARPS * 32)
mla_attend(const float* __restrict__ qc, const float* __restrict__ qp, const bf16* __restrict__ cache,
           const int* __restrict__ tables, const int* __restrict__ lengths, float* __restrict__ o_out,
           float* __restrict__ o_part, float* __restrict__ ml, int heads, int rank, int rope_dim, int block_size,
           int table_stride, int partition_size, float scale) {
    grid_dependency_sync();
    const int t = blockIdx.x, h = blockIdx.y, part = blockIdx.z, parts = gridDim.z;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int width = rank + rope_dim;
    const int length = lengths[t];
    const int begin = part * partition_size;
    const int end = min(length, begin + partition_size);
    // columns lane + 32 i this lane owns (any R, P; not only multiples of 32)
    const int rl = rank / 32 + (lane < rank % 32 ? 1 : 0), pl = rope_dim / 32 + (lane < rope_dim % 32 ? 1 : 0);
    const float* q_c = qc + ((size_t)t * heads + h) * rank;
    const float* q_p = qp + ((size_t)t * heads + h) * rope_dim;
    // lane owns latent columns lane + 32 i (coalesced 64-byte rows of 32 lanes)
    float qr[MLA_MAX_R_PER_LANE], acc[MLA_MAX_R_PER_LANE], qe[MLA_MAX_P_PER_LANE];
#pragma unroll
    for (int i = 0; i < MLA_MAX_R_PER_LANE; i++) {
        qr[i] = i < rl ? q_c[lane + 32 * i] : 0.0f;
        acc[i] = 0.0f;
    }
#pragma unroll
    for (int i = 0; i < MLA_MAX_P_PER_LANE; i++) qe[i] = i < pl ? q_p[lane + 32 * i] : 0.0f;
    float m = -INFINITY, l = 0.0f;
    const int* table = tables + (size_t)t * table_stride;
    for (int j = begin + warp; j < end; j += MLA_WARPS) {
        const bf16* row = cache + ((size_t)table[j / block_size] * block_size + j % block_size) * width;
        float dot = 0.0f;
#pragma unroll
        for (int i = 0; i < MLA_MAX_R_PER_LANE; i++)
            if (i < rl) dot += qr[i] * to_f32(row[lane + 32 * i]);
#pragma unroll
        for (int i = 0; i < MLA_MAX_P_PER_LANE; i++)
            if (i < pl) dot += qe[i] * to_f32(row[rank + lane + 32 * i]);
        const float score = warp_sum(dot) * scale;
        const float m_new = fmaxf(m, score);
        const float correction = __expf(m - m_new);  // 0 on the first position (m = -inf)
        const float p = __expf(score - m_new);
        l = l * correction + p;
#pragma unroll
        for (int i = 0; i < MLA_MAX_R_PER_LANE; i++)
            if (i < rl) acc[i] = acc[i] * correction + p * to_f32(row[lane + 32 * i]);
        m = m_new;
    }
    // merge the warps: block max, rescale, sum
    __shared__ float wm[MLA_WARPS], wl[MLA_WARPS];
    __shared__ float merged[MLA_MAX_R_PER_LANE * 32];
    if (lane == 0) {
        wm[warp] = m;
        wl[warp] = l;
    }
    for (int i = threadIdx.x; i < rank; i += blockDim.x) merged[i] = 0.0f;
    __syncthreads();
    float block_m = -INFINITY;
    for (int w = 0; w < MLA_WARPS; w++) block_m = fmaxf(block_m, wm[w]);
    float block_l = 0.0f;
    for (int w = 0; w < MLA_WARPS; w++)
        if (wm[w] != -INFINITY) block_l += wl[w] * __expf(wm[w] - block_m);
    const float mine = m == -INFINITY ? 0.0f : __expf(m - block_m);
    for (int w = 0; w < MLA_WARPS; w++) {
        if (warp == w) {
#pragma unroll
            for (int i = 0; i < MLA_MAX_R_PER_LANE; i++)
                if (i < rl) merged[lane + 32 * i] += acc[i] * mine;
        }
        __syncthreads();
    }
    const size_t th = (size_t)t * heads + h;
    if (parts == 1) {
        const float inv = block_l > 0.0f ? 1.0f / block_l : 0.0f;  // length 0 (padding): zeros
        for (int i = threadIdx.x; i < rank; i += blockDim.x) o_out[th * rank + i] = merged[i] * inv;
    } else {
        for (int i = threadIdx.x; i < rank; i += blockDim.x) o_part[(th * parts + part) * rank + i] = merged[i];
        if (threadIdx.x == 0) {
            ml[(th * parts + part) * 2] = block_m;
            ml[(th * parts + part) * 2 + 1] = block_l;
        }
    }
}

// Merges the partitions of mla_attend: o = sum_p o_p e^(m_p - M) / sum_p l_p e^(m_p - M), one block per (token, head).
extern "C" __global__ void mla_attend_reduce(const float* __restrict__ o_part, const float* __restrict__ ml,
                                             float* __restrict__ o_out, int heads, int rank, int parts) {
    grid_dependency_sync();
    const size_t th = (size_t)blockIdx.x * heads + blockIdx.y;
    float big = -INFINITY;
    for (int p = 0; p < parts; p++) big = fmaxf(big, ml[(th * parts + p) * 2]);
    float total = 0.0f;
    for (int p = 0; p < parts; p++) {
        const float mp = ml[(th * parts + p) * 2];
        if (mp != -INFINITY) total += ml[(th * parts + p) * 2 + 1] * __expf(mp - big);
    }
    const float inv = total > 0.0f ? 1.0f / total : 0.0f;
    for (int i = threadIdx.x; i < rank; i += blockDim.x) {
        float v = 0.0f;
        for (int p = 0; p < parts; p++) {
            const float mp = ml[(th * parts + p) * 2];
            if (mp != -INFINITY) v += o_part[(th * parts + p) * rank + i] * __expf(mp - big);
        }
        o_out[th * rank + i] = v * inv;
    }
}

// Value side: out[t, h*V + e] = sum_r W_uv[h][e, r] * o[t, h, r], one block per (token, head, 8 features e), a
// warp per feature (lanes read 32 consecutive r of the weight row: coalesced), written bf16.
extern "C" __global__ void mla_value_projection(const float* __restrict__ o, const bf16* __restrict__ kv_b,
                                                bf16* __restrict__ out, int heads, int rank, int nope_dim,
                                                int v_dim) {
    grid_dependency_sync();
    extern __shared__ float latent[];
    const int t = blockIdx.x, h = blockIdx.y;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const float* oh = o + ((size_t)t * heads + h) * rank;
    for (int r = threadIdx.x; r < rank; r += blockDim.x) latent[r] = oh[r];
    __syncthreads();
    const int e = blockIdx.z * warps + warp;
    if (e >= v_dim) return;
    const bf16* w = kv_b + ((size_t)h * (nope_dim + v_dim) + nope_dim + e) * rank;
    float acc = 0.0f;
    for (int r = lane; r < rank; r += 32) acc += to_f32(w[r]) * latent[r];
    acc = warp_sum(acc);
    if (lane == 0) out[((size_t)t * heads + h) * v_dim + e] = to_bf16(acc);
}
