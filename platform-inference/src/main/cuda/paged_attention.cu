#include "common.cuh"

#define ATTN_WARPS 4

// Merges split-K partitions: with weights w_p = L_p e^(M_p - max M), out = sum_p w_p O_p / sum_p w_p, for one
// (sequence, head) row, partitions in order (deterministic). Threads of the block take dims d = tid, tid + blockDim.
// The partials are read through L2 (__ldcg): in the fused tail they were written by other blocks of this grid.
__device__ __forceinline__ void merge_partitions(const float* part_out, const float* part_ml, bf16* __restrict__ out,
                                                 long long head_row, int head_dim, int partitions) {
    const float* ml = part_ml + head_row * partitions * 2;
    float M = -INFINITY;
    for (int p = 0; p < partitions; p++) M = fmaxf(M, __ldcg(ml + 2 * p));
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float o = 0.0f, W = 0.0f;
        for (int p = 0; p < partitions; p++) {
            const float m = __ldcg(ml + 2 * p);
            if (m == -INFINITY) continue;  // a partition past the sequence's end
            const float w = __ldcg(ml + 2 * p + 1) * __expf(m - M);
            W += w;
            o += w * __ldcg(part_out + (head_row * partitions + p) * head_dim + d);
        }
        out[head_row * head_dim + d] = to_bf16(W > 0.0f ? o / W : 0.0f);
    }
}

// Paged decode attention with grouped-query heads and split-K over the sequence (one query token per sequence).
//   q            [seqs, q_stride] bf16: num_q_heads heads of head_dim from each row's start
//   k_cache,
//   v_cache      [num_blocks, block_size, num_kv_heads, head_dim] bf16 (one layer's pool), 2*DL-byte aligned
//   block_tables [seqs, max_blocks_per_seq] int32: logical block j of a sequence lives in physical block table[j]
//   seq_lens     [seqs] int32: tokens in the cache for each sequence (the current token already written)
//   Query head h reads kv head h / (num_q_heads / num_kv_heads).
//   For each (sequence b, head h):  s_t = scale * <q, k_t>,  out = sum_t softmax(s)_t * v_t  over t < seq_lens[b].
// grid = (num_q_heads, seqs, partitions), block = 128 threads (4 warps); head_dim = 32 * DL, DL <= 8. Partition p
// covers tokens [p * partition_size, (p + 1) * partition_size). Lane l owns dims [l*DL, l*DL + DL). A warp takes
// TOK tokens at a time: their block-table entries, K rows and V rows are all loaded before any is used, and one
// online-softmax update (running max m, sum l, weighted value sum acc) covers the TOK scores. At batch 1 a warp
// walks only a few such groups, so the step's attention costs a few memory latencies instead of one chain of
// table load -> K load -> warp reduction per token (16 tokens per warp of a 64-token partition took ~14 µs). The
// lengths and the first group's table entries come from the step's upload, written before the graph started, so
// they are read before waiting for the previous kernel (whose output, q and this token's K/V, comes after).
// The warps are merged in shared memory. With one partition the result is written to out [seqs, num_q_heads,
// head_dim] bf16; otherwise each partition writes its normalized output to part_out [seqs, num_q_heads, partitions,
// head_dim] fp32 and (m, l) to part_ml [seqs, num_q_heads, partitions, 2], and paged_attention_reduce merges them,
// or, when counters [seqs * num_q_heads] int32 (all zero) is given, the last partition block of each (sequence,
// head) does.
// EARLY_KV (paged_attention_early_kv): the first group's K and V rows are loaded before the grid wait too, except the
// row of the current token (position seq_lens[b] - 1), which the previous kernel writes: every other row was written
// by an earlier step. Only for decode steps whose previous kernel writes nothing else of this layer's cache (the
// engine's order).
template <int DL, bool EARLY_KV>
__device__ __forceinline__ void paged_attention_body(
        const bf16* __restrict__ q, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
        const int* __restrict__ block_tables, const int* __restrict__ seq_lens, bf16* __restrict__ out,
        float* __restrict__ part_out, float* __restrict__ part_ml, long long q_stride, int num_q_heads,
        int num_kv_heads, int block_size, int max_blocks_per_seq, int partition_size, float scale,
        int* __restrict__ counters) {
    constexpr int D = 32 * DL;
    constexpr int TOK = DL > 4 ? 4 : 8;
    const int h = blockIdx.x, b = blockIdx.y, p = blockIdx.z, partitions = gridDim.z;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int kvh = h / (num_q_heads / num_kv_heads);
    const int len = seq_lens[b];
    const int begin = p * partition_size;
    const int end = min(len, begin + partition_size);
    const int* table = block_tables + (long long)b * max_blocks_per_seq;
    const long long token_stride = (long long)num_kv_heads * D;
    const bf16* k_head = k_cache + (long long)kvh * D + lane * DL;
    const bf16* v_head = v_cache + (long long)kvh * D + lane * DL;

    // row offsets of the group starting at t0; tokens past the end repeat the last one (masked when scored)
    long long off[TOK];
    auto offsets = [&](int t0) {
#pragma unroll
        for (int i = 0; i < TOK; i++) {
            const int t = min(t0 + i, end - 1);
            off[i] = ((long long)table[t / block_size] * block_size + t % block_size) * token_stride;
        }
    };
    int t0 = begin + warp * TOK;
    float kf[TOK][DL], vf[TOK][DL];
    // a token of the group whose row must come after the wait: the current one (or the last one repeated past the end)
    auto current = [&](int i) { return min(t0 + i, end - 1) == len - 1; };
    bool preloaded = false;
    if (t0 < end) {
        offsets(t0);
        if constexpr (EARLY_KV) {
#pragma unroll
            for (int i = 0; i < TOK; i++) {
                if (!current(i)) {
                    load_bf16s<DL>(k_head + off[i], kf[i]);
                    load_bf16s<DL>(v_head + off[i], vf[i]);
                }
            }
            preloaded = true;
        }
    }
    grid_dependency_sync();

    float qv[DL], acc[DL];
    load_bf16s<DL>(q + b * q_stride + (long long)h * D + lane * DL, qv);
#pragma unroll
    for (int j = 0; j < DL; j++) {
        qv[j] *= scale;
        acc[j] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    for (; t0 < end; t0 += ATTN_WARPS * TOK) {
#pragma unroll
        for (int i = 0; i < TOK; i++) {
            if (!EARLY_KV || !preloaded || current(i)) {
                load_bf16s<DL>(k_head + off[i], kf[i]);
                load_bf16s<DL>(v_head + off[i], vf[i]);
            }
        }
        preloaded = false;
        const int n = min(TOK, end - t0);
        if (t0 + ATTN_WARPS * TOK < end) offsets(t0 + ATTN_WARPS * TOK);  // next group's table reads, in flight now
        float s[TOK];
#pragma unroll
        for (int i = 0; i < TOK; i++) {
            s[i] = 0.0f;
#pragma unroll
            for (int j = 0; j < DL; j++) s[i] += qv[j] * kf[i][j];
        }
        // TOK independent warp reductions, interleaved
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
#pragma unroll
            for (int i = 0; i < TOK; i++) s[i] += __shfl_xor_sync(0xffffffffu, s[i], o);
        }
        float m_new = m;
#pragma unroll
        for (int i = 0; i < TOK; i++) {
            if (i >= n) s[i] = -INFINITY;
            m_new = fmaxf(m_new, s[i]);
        }
        const float c = __expf(m - m_new);  // m_new is finite: token t0 is in range
        l *= c;
#pragma unroll
        for (int j = 0; j < DL; j++) acc[j] *= c;
#pragma unroll
        for (int i = 0; i < TOK; i++) {
            const float w = __expf(s[i] - m_new);
            l += w;
#pragma unroll
            for (int j = 0; j < DL; j++) acc[j] += w * vf[i][j];
        }
        m = m_new;
    }

    // Merge the warps: M = max m_w, L = sum l_w e^(m_w - M), O = sum acc_w e^(m_w - M) / L.
    __shared__ float sm[ATTN_WARPS], sl[ATTN_WARPS];
    __shared__ float sacc[ATTN_WARPS][D];
    if (lane == 0) { sm[warp] = m; sl[warp] = l; }
#pragma unroll
    for (int j = 0; j < DL; j++) sacc[warp][lane * DL + j] = acc[j];
    __syncthreads();
    float M = -INFINITY;
    for (int w = 0; w < ATTN_WARPS; w++) M = fmaxf(M, sm[w]);
    float L = 0.0f;
    for (int w = 0; w < ATTN_WARPS; w++) L += sm[w] == -INFINITY ? 0.0f : sl[w] * __expf(sm[w] - M);
    const long long head_row = (long long)b * num_q_heads + h;
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float o = 0.0f;
        for (int w = 0; w < ATTN_WARPS; w++)
            if (sm[w] != -INFINITY) o += sacc[w][d] * __expf(sm[w] - M);
        o = L > 0.0f ? o / L : 0.0f;  // an empty range (or seq_len 0) gives zeros, never NaN
        if (partitions == 1) out[head_row * D + d] = to_bf16(o);
        else part_out[(head_row * partitions + p) * D + d] = o;
    }
    if (partitions > 1 && threadIdx.x == 0) {
        part_ml[(head_row * partitions + p) * 2] = M;
        part_ml[(head_row * partitions + p) * 2 + 1] = L;
    }
    if (partitions == 1 || counters == nullptr) return;
    // Fused reduce: the last partition block of this (sequence, head) to finish merges all partitions, which saves
    // the paged_attention_reduce launch (a few µs of latency per layer at batch 1). Each block publishes its
    // partials (fence), then counts itself in; the block that sees partitions - 1 earlier arrivals merges and resets
    // the counter for the next step (or graph replay), so the counters stay zero between launches.
    __shared__ bool last;
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) last = atomicAdd(counters + head_row, 1) == partitions - 1;
    __syncthreads();
    if (!last) return;
    __threadfence();
    merge_partitions(part_out, part_ml, out, head_row, D, partitions);
    if (threadIdx.x == 0) counters[head_row] = 0;
}

// head_dim picks the body (a multiple of 32 up to 256).
template <bool EARLY_KV>
__device__ __forceinline__ void paged_attention_any_dim(
        const bf16* __restrict__ q, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
        const int* __restrict__ block_tables, const int* __restrict__ seq_lens, bf16* __restrict__ out,
        float* __restrict__ part_out, float* __restrict__ part_ml, long long q_stride, int num_q_heads,
        int num_kv_heads, int head_dim, int block_size, int max_blocks_per_seq, int partition_size, float scale,
        int* __restrict__ counters) {
#define ATTN_BODY(DL)                                                                                              \
    paged_attention_body<DL, EARLY_KV>(q, k_cache, v_cache, block_tables, seq_lens, out, part_out, part_ml,        \
                                       q_stride, num_q_heads, num_kv_heads, block_size, max_blocks_per_seq,        \
                                       partition_size, scale, counters)
    switch (head_dim / 32) {
        case 1: ATTN_BODY(1); break;
        case 2: ATTN_BODY(2); break;
        case 3: ATTN_BODY(3); break;
        case 4: ATTN_BODY(4); break;
        case 5: ATTN_BODY(5); break;
        case 6: ATTN_BODY(6); break;
        case 7: ATTN_BODY(7); break;
        default: ATTN_BODY(8); break;
    }
#undef ATTN_BODY
}

// The kernels the backend launches; paged_attention_early_kv loads the first K/V rows before the grid wait (EARLY_KV
// above).
#define PAGED_ATTENTION_ENTRY(NAME, EARLY)                                                                         \
    extern "C" __global__ void __launch_bounds__(ATTN_WARPS * 32) NAME(                                            \
            const bf16* __restrict__ q, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,        \
            const int* __restrict__ block_tables, const int* __restrict__ seq_lens, bf16* __restrict__ out,        \
            float* __restrict__ part_out, float* __restrict__ part_ml, long long q_stride, int num_q_heads,        \
            int num_kv_heads, int head_dim, int block_size, int max_blocks_per_seq, int partition_size, float scale, \
            int* __restrict__ counters) {                                                                          \
        paged_attention_any_dim<EARLY>(q, k_cache, v_cache, block_tables, seq_lens, out, part_out, part_ml,        \
                                       q_stride, num_q_heads, num_kv_heads, head_dim, block_size,                  \
                                       max_blocks_per_seq, partition_size, scale, counters);                       \
    }
PAGED_ATTENTION_ENTRY(paged_attention, false)
PAGED_ATTENTION_ENTRY(paged_attention_early_kv, true)

// paged_attention_reduce: merge_partitions for every (sequence, head).
// grid = (num_q_heads, seqs), block = head_dim threads; shapes as in paged_attention.
extern "C" __global__ void paged_attention_reduce(const float* __restrict__ part_out, const float* __restrict__ part_ml,
                                                  bf16* __restrict__ out, int num_q_heads, int head_dim,
                                                  int partitions) {
    grid_dependency_sync();
    merge_partitions(part_out, part_ml, out, (long long)blockIdx.y * num_q_heads + blockIdx.x, head_dim, partitions);
}
