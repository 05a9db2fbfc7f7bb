#include "common.cuh"

// Kernels of the CUDA model backend (CudaBackend) that the decode-only kernels do not cover: any head size,
// prefill chunks (many query tokens per sequence), bias/residual adds and the routed-expert matmuls.
// All activations are bf16 [tokens, features] row-major; math in fp32 with one rounding per stored value.

// acc[i] = bf16(acc[i] + x[i]), i < n.
extern "C" __global__ void add_bf16(bf16* acc, const bf16* __restrict__ x, long long n) {
    grid_dependency_sync();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        acc[i] = to_bf16(to_f32(acc[i]) + to_f32(x[i]));
}

// x[r, c] = bf16(x[r, c] + bias[c]); x [rows, cols], bias [cols].
extern "C" __global__ void add_bias(bf16* x, const bf16* __restrict__ bias, int cols, long long n) {
    grid_dependency_sync();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        x[i] = to_bf16(to_f32(x[i]) + to_f32(bias[i % cols]));
}

// SwiGLU: out[i] = bf16(silu(gate[i]) * up[i]), silu(g) = g / (1 + e^-g); gate, up, out [rows, inter].
// The silu result is rounded to bf16 before the product, as a bf16 model in transformers stores it.
extern "C" __global__ void silu_mul_split(const bf16* __restrict__ gate, const bf16* __restrict__ up, bf16* out,
                                          long long n) {
    grid_dependency_sync();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        const float g = to_f32(gate[i]);
        out[i] = to_bf16(round_bf16(g / (1.0f + __expf(-g))) * to_f32(up[i]));
    }
}

// Rotate-half RoPE in place on every head of x [tokens, heads * D], pairs (i, i + D/2), i < D/2:
//   c = cos[pos, i], s = sin[pos, i]  (tables [max_pos, D/2] fp32, attention scaling folded in; pos = positions[t])
//   x'[i] = x[i] c - x[i + D/2] s,   x'[i + D/2] = x[i + D/2] c + x[i] s
// One thread per pair, grid-stride over tokens * heads * D/2.
extern "C" __global__ void rope_rows(bf16* x, const int* __restrict__ positions, const float* __restrict__ cos_t,
                                     const float* __restrict__ sin_t, int heads, int head_dim, int tokens) {
    grid_dependency_sync();
    const int half = head_dim / 2;
    const long long n = (long long)tokens * heads * half;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
        const int i = (int)(e % half);
        const long long th = e / half;  // token * heads + head
        const int t = (int)(th / heads);
        bf16* hx = x + th * head_dim;
        const long long p = (long long)positions[t] * half + i;
        const float c = cos_t[p], s = sin_t[p];
        const float a = to_f32(hx[i]), b = to_f32(hx[i + half]);
        hx[i] = to_bf16(a * c - b * s);
        hx[i + half] = to_bf16(b * c + a * s);
    }
}

// Stores this step's K and V rows in the paged pool: for token t, slot[t] = block * block_size + position % block_size
//   k_cache[slot[t], :] = k[t, :],  v_cache[slot[t], :] = v[t, :]      (slot[t] < 0: a padding token, not stored)
// k, v [tokens, kv_dim]; caches [blocks * block_size, kv_dim] bf16 (one layer). grid-stride over tokens * kv_dim.
extern "C" __global__ void kv_write(const bf16* __restrict__ k, const bf16* __restrict__ v,
                                    const int* __restrict__ slots, bf16* k_cache, bf16* v_cache, int kv_dim,
                                    int tokens) {
    grid_dependency_sync();
    const long long n = (long long)tokens * kv_dim;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
        const int t = (int)(e / kv_dim), d = (int)(e % kv_dim);
        if (slots[t] < 0) continue;
        const long long dst = (long long)slots[t] * kv_dim + d;
        k_cache[dst] = k[e];
        v_cache[dst] = v[e];
    }
}

#define STEP_ATTN_WARPS 4
#define STEP_ATTN_MAX_PER_LANE 8  // head_dim <= 256

// Causal paged attention for every query token of a step (prefill chunks and decode tokens alike):
//   q [tokens, heads * D]; token t attends to positions 0 .. lens[t] - 1 of its sequence, whose logical block j is
//   physical block tables[t, j] (each token carries its sequence's table row [tokens, max_blocks]);
//   caches [blocks, block_size, kv_heads, D] bf16; head h reads kv head h / (heads / kv_heads).
//   out[t, h] = sum_j softmax_j(scale * <q[t, h], k_j>) v_j
// grid = (heads, tokens), block = 128 (4 warps). Lane l owns dims l, l + 32, ...; each warp keeps an online softmax
// (max m, sum l, weighted sum acc) over positions warp, warp + 4, ...; warps merge in shared memory.
extern "C" __global__ void __launch_bounds__(STEP_ATTN_WARPS * 32)
step_attention(const bf16* __restrict__ q, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
               const int* __restrict__ tables, const int* __restrict__ lens, bf16* __restrict__ out, int heads,
               int kv_heads, int head_dim, int block_size, int max_blocks, float scale) {
    grid_dependency_sync();
    const int h = blockIdx.x, t = blockIdx.y;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int kvh = h / (heads / kv_heads);
    const int len = lens[t];
    const bf16* qh = q + ((long long)t * heads + h) * head_dim;
    float qv[STEP_ATTN_MAX_PER_LANE], acc[STEP_ATTN_MAX_PER_LANE];
#pragma unroll
    for (int j = 0; j < STEP_ATTN_MAX_PER_LANE; j++) {
        const int d = lane + 32 * j;
        qv[j] = d < head_dim ? to_f32(qh[d]) * scale : 0.0f;
        acc[j] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    const int* table = tables + (long long)t * max_blocks;
    const long long row = (long long)kv_heads * head_dim;
    for (int p = warp; p < len; p += STEP_ATTN_WARPS) {
        const long long off = ((long long)table[p / block_size] * block_size + p % block_size) * row
                + (long long)kvh * head_dim;
        float dot = 0.0f;
#pragma unroll
        for (int j = 0; j < STEP_ATTN_MAX_PER_LANE; j++) {
            const int d = lane + 32 * j;
            if (d < head_dim) dot += qv[j] * to_f32(k_cache[off + d]);
        }
        const float s = warp_sum(dot);
        const float m_new = fmaxf(m, s);
        const float c = __expf(m - m_new), w = __expf(s - m_new);
        l = l * c + w;
#pragma unroll
        for (int j = 0; j < STEP_ATTN_MAX_PER_LANE; j++) {
            const int d = lane + 32 * j;
            if (d < head_dim) acc[j] = acc[j] * c + w * to_f32(v_cache[off + d]);
        }
        m = m_new;
    }
    __shared__ float sm[STEP_ATTN_WARPS], sl[STEP_ATTN_WARPS];
    __shared__ float sacc[STEP_ATTN_WARPS][STEP_ATTN_MAX_PER_LANE * 32];
    if (lane == 0) { sm[warp] = m; sl[warp] = l; }
#pragma unroll
    for (int j = 0; j < STEP_ATTN_MAX_PER_LANE; j++) sacc[warp][lane + 32 * j] = acc[j];
    __syncthreads();
    float M = -INFINITY;
    for (int w = 0; w < STEP_ATTN_WARPS; w++) M = fmaxf(M, sm[w]);
    float L = 0.0f;
    for (int w = 0; w < STEP_ATTN_WARPS; w++) L += sm[w] == -INFINITY ? 0.0f : sl[w] * __expf(sm[w] - M);
    bf16* oh = out + ((long long)t * heads + h) * head_dim;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float o = 0.0f;
        for (int w = 0; w < STEP_ATTN_WARPS; w++)
            if (sm[w] != -INFINITY) o += sacc[w][d] * __expf(sm[w] - M);
        oh[d] = to_bf16(L > 0.0f ? o / L : 0.0f);
    }
}

// ---- Routed experts: grouped matmuls over the rows routed to each expert ----
// moe_align (moe_routing.cu) sorts the step's (token, choice) pairs by expert into "rows" on the device and describes
// each active expert as a group g < *num_groups: expert ids[g], rows [starts[g], starts[g] + counts[g]). The grid is
// sized for the worst case (min(experts, slots) groups); blocks of groups past *num_groups exit at once, and so do
// groups of max_rows or more rows (those run as cuBLAS GEMMs when the host chose to read the counts back).
// Weight matrices are found through per-expert device
// pointer tables (every expert's matrix is a separate [n, k] bf16 allocation, 16-byte aligned).
// One warp computes one output feature n for all rows of a group, 8 rows at a time, reading the weight row once per
// 8 rows: at decode sizes (a few rows per expert) the weights are read about once, which is the memory roofline.

#define EXPERT_ROWS 8

__device__ __forceinline__ void load8(const bf16* p, float (&f)[8]) {
    const uint4 u = *reinterpret_cast<const uint4*>(p);
    const bf16* b = reinterpret_cast<const bf16*>(&u);
#pragma unroll
    for (int j = 0; j < 8; j++) f[j] = to_f32(b[j]);
}

// act[r, n] = bf16( bf16(silu(bf16(x[src(r)] . Wg_e[n]))) * bf16(x[src(r)] . Wu_e[n]) ) for rows r of group g,
// src(r) = row_token[r] (x is the step's [tokens, k] input; rows gather their token). K % 8 == 0.
// grid = (ceil(inter / 8), groups), block = 256 (8 warps, one output feature each).
extern "C" __global__ void __launch_bounds__(256)
expert_gate_up(const bf16* __restrict__ x, const int* __restrict__ row_token,
               const unsigned long long* __restrict__ gate_ptrs, const unsigned long long* __restrict__ up_ptrs,
               const int* __restrict__ group_expert, const int* __restrict__ group_start,
               const int* __restrict__ group_count, const int* __restrict__ num_groups, int max_rows,
               bf16* __restrict__ act, int k, int inter) {
    grid_dependency_sync();
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int n = blockIdx.x * 8 + warp;
    const int g = blockIdx.y;
    if (n >= inter || g >= *num_groups) return;
    const int e = group_expert[g], start = group_start[g], count = group_count[g];
    if (count >= max_rows) return;
    const bf16* wg = reinterpret_cast<const bf16*>(gate_ptrs[e]) + (long long)n * k;
    const bf16* wu = reinterpret_cast<const bf16*>(up_ptrs[e]) + (long long)n * k;
    for (int r0 = 0; r0 < count; r0 += EXPERT_ROWS) {
        const int rn = min(EXPERT_ROWS, count - r0);
        float ag[EXPERT_ROWS], au[EXPERT_ROWS];
#pragma unroll
        for (int r = 0; r < EXPERT_ROWS; r++) { ag[r] = 0.0f; au[r] = 0.0f; }
        for (int c = lane * 8; c < k; c += 256) {
            float fg[8], fu[8];
            load8(wg + c, fg);
            load8(wu + c, fu);
#pragma unroll
            for (int r = 0; r < EXPERT_ROWS; r++) {
                if (r < rn) {
                    float fx[8];
                    load8(x + (long long)row_token[start + r0 + r] * k + c, fx);
#pragma unroll
                    for (int j = 0; j < 8; j++) { ag[r] += fx[j] * fg[j]; au[r] += fx[j] * fu[j]; }
                }
            }
        }
#pragma unroll
        for (int r = 0; r < EXPERT_ROWS; r++) {
            if (r >= rn) break;  // rn is the same in every lane: the shuffles below stay warp-uniform
            const float sg = warp_sum(ag[r]);
            const float su = warp_sum(au[r]);
            if (lane == 0) {
                const float gq = round_bf16(sg);
                act[(long long)(start + r0 + r) * inter + n] = to_bf16(round_bf16(gq / (1.0f + __expf(-gq))) * round_bf16(su));
            }
        }
    }
}

// y[r, n] = bf16(act[r] . Wd_e[n]) for rows r of group g; act [rows, inter], y [rows, hidden]. inter % 8 == 0.
// LANES lanes compute one output feature (32 / LANES features per warp): a down row is short (inter, e.g. 768
// elements = 96 chunks of 16 bytes), so a whole warp per row would spend more time in its per-row shuffle
// reductions than in loading; 8 lanes give each lane 12 chunks and need 3 shuffles per row instead of 5.
// grid = (ceil(hidden / (8 * 32 / LANES)), groups), block = 256.
template <int LANES>
__device__ __forceinline__ void expert_down_impl(const bf16* __restrict__ act,
                                                 const unsigned long long* __restrict__ down_ptrs,
                                                 const int* __restrict__ group_expert,
                                                 const int* __restrict__ group_start,
                                                 const int* __restrict__ group_count,
                                                 const int* __restrict__ num_groups, int max_rows,
                                                 bf16* __restrict__ y, int inter, int hidden) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int sub = lane / LANES, sl = lane % LANES;
    const int n = (blockIdx.x * 8 + warp) * (32 / LANES) + sub;
    const int g = blockIdx.y;
    if (g >= *num_groups) return;
    const int e = group_expert[g], start = group_start[g], count = group_count[g];
    if (count >= max_rows) return;
    const bool live = n < hidden;  // dead lanes still take part in the shuffles
    const bf16* wd = reinterpret_cast<const bf16*>(down_ptrs[e]) + (long long)(live ? n : 0) * inter;
    for (int r0 = 0; r0 < count; r0 += EXPERT_ROWS) {
        const int rn = min(EXPERT_ROWS, count - r0);
        float a[EXPERT_ROWS];
#pragma unroll
        for (int r = 0; r < EXPERT_ROWS; r++) a[r] = 0.0f;
#pragma unroll 4
        for (int c = sl * 8; c < inter; c += LANES * 8) {
            float fw[8];
            load8(wd + c, fw);
#pragma unroll
            for (int r = 0; r < EXPERT_ROWS; r++) {
                if (r < rn) {
                    float fx[8];
                    load8(act + (long long)(start + r0 + r) * inter + c, fx);
#pragma unroll
                    for (int j = 0; j < 8; j++) a[r] += fx[j] * fw[j];
                }
            }
        }
#pragma unroll
        for (int r = 0; r < EXPERT_ROWS; r++) {
            if (r >= rn) break;
            float s = a[r];
#pragma unroll
            for (int o = LANES / 2; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
            if (sl == 0 && live) y[(long long)(start + r0 + r) * hidden + n] = to_bf16(s);
        }
    }
}

// expert_down: a warp per feature; expert_down_l8: 8 lanes per feature (the default, see StepKernels).
#define EXPERT_DOWN_ENTRY(NAME, LANES)                                                                         \
    extern "C" __global__ void __launch_bounds__(256)                                                          \
        NAME(const bf16* __restrict__ act, const unsigned long long* __restrict__ down_ptrs,                   \
             const int* __restrict__ group_expert, const int* __restrict__ group_start,                        \
             const int* __restrict__ group_count, const int* __restrict__ num_groups, int max_rows,            \
             bf16* __restrict__ y, int inter, int hidden) {                                                    \
        grid_dependency_sync();                                                                                \
        expert_down_impl<LANES>(act, down_ptrs, group_expert, group_start, group_count, num_groups, max_rows, \
                                y, inter, hidden);                                                             \
    }
EXPERT_DOWN_ENTRY(expert_down, 32)
EXPERT_DOWN_ENTRY(expert_down_l8, 8)

// Weighted sum of each token's expert outputs, in choice order j (deterministic, no atomics):
//   out[t] = bf16( sum_j w[t, j] * y[slot_row[t, j]]  +  sigmoid(gate_logit[t]) * shared[t] )
// w [tokens, top_k] fp32 (the router's), slot_row [tokens, top_k] int32, y [rows, hidden];
// shared [tokens, hidden] and gate_logit [tokens] fp32 are null without a gated shared expert;
// shared without gate_logit is added ungated. Tokens t >= *real_tokens (padding of a captured batch) get zeros.
// grid = (tokens, ceil(hidden / 256)), block = 256, one thread per output element: at batch 1 the 8 blocks of a
// 2,048-wide row run side by side instead of one block walking the row (a chain of dependent loads). top_k <= 32.
extern "C" __global__ void expert_combine(const bf16* __restrict__ y, const int* __restrict__ slot_row,
                                          const float* __restrict__ w, const bf16* __restrict__ shared,
                                          const float* __restrict__ gate_logit, const int* __restrict__ real_tokens,
                                          bf16* __restrict__ out, int top_k, int hidden) {
    grid_dependency_sync();
    __shared__ long long rows[32];
    __shared__ float weights[32];
    const int t = blockIdx.x;
    const int d = blockIdx.y * blockDim.x + threadIdx.x;
    if (t >= *real_tokens) {  // the whole block: t is the block's
        if (d < hidden) out[(long long)t * hidden + d] = to_bf16(0.0f);
        return;
    }
    if (threadIdx.x < top_k) {
        rows[threadIdx.x] = slot_row[(long long)t * top_k + threadIdx.x];
        weights[threadIdx.x] = w[(long long)t * top_k + threadIdx.x];
    }
    __syncthreads();
    if (d >= hidden) return;
    float s = 0.0f;
    for (int j = 0; j < top_k; j++) s += weights[j] * to_f32(y[rows[j] * hidden + d]);
    if (shared != nullptr) {
        const float sg = gate_logit != nullptr ? 1.0f / (1.0f + __expf(-gate_logit[t])) : 1.0f;
        s += sg * to_f32(shared[(long long)t * hidden + d]);
    }
    out[(long long)t * hidden + d] = to_bf16(s);
}

#define QK_ROPE_MAX_PAIRS 8  // head_dim <= 512

// Per-head RMSNorm (when the head's weight is given) and rotate-half RoPE, in place, for every head of q
// [tokens, q_heads * D] and k [tokens, kv_heads * D]: the model's rmsnorm(q), rmsnorm(k), rope(q), rope(k) in one
// launch, with the same roundings as those kernels (the normalized head is stored as bf16 between them):
//   x = bf16( w * bf16( x / sqrt(mean(x^2) + eps) ) )                  (w = q_norm or k_norm, [D]; skipped if null)
//   c = cos[pos, i], s = sin[pos, i]   (pos = positions[t]; tables [max_pos, D/2] fp32, as rope_rows)
//   x'[i] = bf16(x[i] c - x[i + D/2] s),   x'[i + D/2] = bf16(x[i + D/2] c + x[i] s),   i < D/2
// With k_cache given (then v, slots, v_cache too) it also does kv_write's work: the rotated k heads and the v heads
// (kv_heads more warps) go to the paged pool at slots[t] (slot < 0: a padding token, not stored), which saves that
// launch in every layer of a decode step.
// One warp per head vector, lane l owns pairs i = l, l + 32, ...; grid = ceil(tokens * heads / 4) with heads =
// q_heads + kv_heads (+ kv_heads for the v heads when storing), block = 128. D even, D <= 512.
extern "C" __global__ void __launch_bounds__(128)
qk_norm_rope(bf16* q, bf16* k, const int* __restrict__ positions, const float* __restrict__ cos_t,
             const float* __restrict__ sin_t, const bf16* __restrict__ q_norm, const bf16* __restrict__ k_norm,
             int q_heads, int kv_heads, int head_dim, int tokens, float eps, const bf16* __restrict__ v,
             const int* __restrict__ slots, bf16* __restrict__ k_cache, bf16* __restrict__ v_cache) {
    grid_dependency_sync();
    const int lane = threadIdx.x & 31;
    const bool store = k_cache != nullptr;
    const int heads = q_heads + kv_heads + (store ? kv_heads : 0);
    const long long wid = blockIdx.x * 4LL + (threadIdx.x >> 5);
    if (wid >= (long long)tokens * heads) return;
    const int t = (int)(wid / heads), h = (int)(wid % heads);
    const long long kv_dim = (long long)kv_heads * head_dim;
    const int slot = store ? slots[t] : -1;
    if (h >= q_heads + kv_heads) {  // a v head: copied to the pool as it is
        if (slot < 0) return;
        const long long off = (long long)(h - q_heads - kv_heads) * head_dim;
        for (int i = lane; i < head_dim; i += 32) v_cache[slot * kv_dim + off + i] = v[t * kv_dim + off + i];
        return;
    }
    const bool is_q = h < q_heads;
    bf16* x = is_q ? q + ((long long)t * q_heads + h) * head_dim
                   : k + ((long long)t * kv_heads + (h - q_heads)) * head_dim;
    const bf16* w = is_q ? q_norm : k_norm;
    const int half = head_dim / 2;
    float a[QK_ROPE_MAX_PAIRS], b[QK_ROPE_MAX_PAIRS];
    float ss = 0.0f;
#pragma unroll
    for (int j = 0; j < QK_ROPE_MAX_PAIRS; j++) {
        const int i = lane + 32 * j;
        a[j] = i < half ? to_f32(x[i]) : 0.0f;
        b[j] = i < half ? to_f32(x[i + half]) : 0.0f;
        ss += a[j] * a[j] + b[j] * b[j];
    }
    if (w != nullptr) {  // uniform over the warp
        const float inv_rms = rsqrtf(warp_sum(ss) / head_dim + eps);
#pragma unroll
        for (int j = 0; j < QK_ROPE_MAX_PAIRS; j++) {
            const int i = lane + 32 * j;
            if (i < half) {
                a[j] = round_bf16(to_f32(w[i]) * round_bf16(a[j] * inv_rms));
                b[j] = round_bf16(to_f32(w[i + half]) * round_bf16(b[j] * inv_rms));
            }
        }
    }
    const long long p = (long long)positions[t] * half;
#pragma unroll
    for (int j = 0; j < QK_ROPE_MAX_PAIRS; j++) {
        const int i = lane + 32 * j;
        if (i < half) {
            const float c = cos_t[p + i], s = sin_t[p + i];
            const bf16 lo = to_bf16(a[j] * c - b[j] * s), hi = to_bf16(b[j] * c + a[j] * s);
            x[i] = lo;
            x[i + half] = hi;
            if (!is_q && slot >= 0) {
                bf16* dst = k_cache + slot * kv_dim + (long long)(h - q_heads) * head_dim;
                dst[i] = lo;
                dst[i + half] = hi;
            }
        }
    }
}

// qk_norm_rope for models whose q/k norms span the whole q or k row of a token (OLMoE: q_norm over all q heads,
// k_norm over all k heads) instead of one head: the model's rmsnorm(q), rmsnorm(k), rope(q), rope(k) (and with
// k_cache given kv_write) in one launch, where OLMoE otherwise launches both rmsnorms before qk_norm_rope. One
// block per (token, row), rows q, k and, when storing, v (copied to the pool as it is). The block first sums the row's squares exactly as the rmsnorm kernel does (same
// block size for the width, the same element per thread, the same order: identical inv_rms, so identical bits),
//   x = bf16( w[c] * bf16( x[c] / sqrt(mean(x^2 over the row) + eps) ) )     (w [width]; skipped if null)
// then, after the barrier, warp u rotates heads u, u + warps, ... as rope_rows does (tables [max_pos, D/2]):
//   x'[i] = bf16(x[i] cos - x[i + D/2] sin),   x'[i + D/2] = bf16(x[i + D/2] cos + x[i] sin)
// A head is read and written only by its warp after every thread's sum is in, so the in-place writes cannot reach
// another thread's sum. q and k rows must be equally wide (q_heads == kv_heads), width <= 8 * block, D even.
// grid = tokens * (2 + store), block = min(1024, max(32, roundup32(width / 4))) (rmsnorm's block for the width).
extern "C" __global__ void qk_rownorm_rope(bf16* q, bf16* k, const int* __restrict__ positions,
                                           const float* __restrict__ cos_t, const float* __restrict__ sin_t,
                                           const bf16* __restrict__ q_norm, const bf16* __restrict__ k_norm,
                                           int heads, int head_dim, int tokens, float eps, const bf16* __restrict__ v,
                                           const int* __restrict__ slots, bf16* __restrict__ k_cache,
                                           bf16* __restrict__ v_cache) {
    grid_dependency_sync();
    const bool store = k_cache != nullptr;
    const int rows = store ? 3 : 2;
    const int t = blockIdx.x / rows, r = blockIdx.x % rows;
    if (t >= tokens) return;  // block-uniform
    const int width = heads * head_dim;
    const int slot = store ? slots[t] : -1;
    if (r == 2) {  // the v row
        if (slot < 0) return;
        for (int i = threadIdx.x; i < width; i += blockDim.x)
            v_cache[(long long)slot * width + i] = v[(long long)t * width + i];
        return;
    }
    const bool is_q = r == 0;
    bf16* x = (is_q ? q : k) + (long long)t * width;
    const bf16* w = is_q ? q_norm : k_norm;
    float inv_rms = 1.0f;
    if (w != nullptr) {  // as rmsnorm: RMS_MAX_PER_THREAD values per thread, summed in order, then block_sum
        float vals[RMS_MAX_PER_THREAD];
#pragma unroll
        for (int j = 0; j < RMS_MAX_PER_THREAD; j++) {
            const int i = threadIdx.x + j * blockDim.x;
            vals[j] = i < width ? to_f32(x[i]) : 0.0f;
        }
        float sumsq = 0.0f;
#pragma unroll
        for (int j = 0; j < RMS_MAX_PER_THREAD; j++) sumsq += vals[j] * vals[j];
        inv_rms = rsqrtf(block_sum(sumsq) / width + eps);
    }
    __syncthreads();  // every thread has read the row before any head is written
    const int half = head_dim / 2, warps = blockDim.x >> 5, lane = threadIdx.x & 31;
    const long long p = (long long)positions[t] * half;
    for (int h = threadIdx.x >> 5; h < heads; h += warps) {
        bf16* xh = x + (long long)h * head_dim;
        for (int i = lane; i < half; i += 32) {
            float a = to_f32(xh[i]), b = to_f32(xh[i + half]);
            if (w != nullptr) {
                a = round_bf16(to_f32(w[h * head_dim + i]) * round_bf16(a * inv_rms));
                b = round_bf16(to_f32(w[h * head_dim + i + half]) * round_bf16(b * inv_rms));
            }
            const float c = cos_t[p + i], s = sin_t[p + i];
            const bf16 lo = to_bf16(a * c - b * s), hi = to_bf16(b * c + a * s);
            xh[i] = lo;
            xh[i + half] = hi;
            if (!is_q && slot >= 0) {
                bf16* dst = k_cache + (long long)slot * width + (long long)h * head_dim;
                dst[i] = lo;
                dst[i + half] = hi;
            }
        }
    }
}
