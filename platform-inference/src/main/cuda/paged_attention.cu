#include "common.cuh"

#define ATTN_WARPS 4
#define ATTN_MAX_DIMS_PER_LANE 8  // head_dim <= 256, a multiple of 32

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
//   v_cache      [num_blocks, block_size, num_kv_heads, head_dim] bf16 (one layer's pool)
//   block_tables [seqs, max_blocks_per_seq] int32: logical block j of a sequence lives in physical block table[j]
//   seq_lens     [seqs] int32: tokens in the cache for each sequence (the current token already written)
//   Query head h reads kv head h / (num_q_heads / num_kv_heads).
//   For each (sequence b, head h):  s_t = scale * <q, k_t>,  out = sum_t softmax(s)_t * v_t  over t < seq_lens[b].
// grid = (num_q_heads, seqs, partitions), block = 128 threads (4 warps). Partition p covers tokens
// [p * partition_size, (p + 1) * partition_size). Each warp keeps an online softmax (running max m, sum l,
// weighted value sum acc) over its tokens; the warps are merged in shared memory. With one partition the result
// is written to out [seqs, num_q_heads, head_dim] bf16; otherwise each partition writes its normalized output
// to part_out [seqs, num_q_heads, partitions, head_dim] fp32 and (m, l) to part_ml [seqs, num_q_heads, partitions, 2],
// and paged_attention_reduce merges them, or, when counters [seqs * num_q_heads] int32 (all zero) is given, the last
// partition block of each (sequence, head) does.
extern "C" __global__ void __launch_bounds__(ATTN_WARPS * 32)
paged_attention(const bf16* __restrict__ q, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
                const int* __restrict__ block_tables, const int* __restrict__ seq_lens, bf16* __restrict__ out,
                float* __restrict__ part_out, float* __restrict__ part_ml, long long q_stride, int num_q_heads,
                int num_kv_heads, int head_dim, int block_size, int max_blocks_per_seq, int partition_size,
                float scale, int* __restrict__ counters) {
    grid_dependency_sync();
    const int h = blockIdx.x, b = blockIdx.y, p = blockIdx.z, partitions = gridDim.z;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int dl = head_dim / 32;  // dims per lane, contiguous: lane owns [lane * dl, lane * dl + dl)
    const int kvh = h / (num_q_heads / num_kv_heads);
    const int len = seq_lens[b];
    const int begin = p * partition_size;
    const int end = min(len, begin + partition_size);

    float qv[ATTN_MAX_DIMS_PER_LANE], acc[ATTN_MAX_DIMS_PER_LANE];
    const bf16* qh = q + b * q_stride + (long long)h * head_dim + lane * dl;
#pragma unroll
    for (int j = 0; j < ATTN_MAX_DIMS_PER_LANE; j++) {
        qv[j] = j < dl ? to_f32(qh[j]) * scale : 0.0f;
        acc[j] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    const int* table = block_tables + (long long)b * max_blocks_per_seq;
    const long long token_stride = (long long)num_kv_heads * head_dim;
    for (int t = begin + warp; t < end; t += ATTN_WARPS) {
        const long long slot = (long long)table[t / block_size] * block_size + t % block_size;
        const long long off = slot * token_stride + (long long)kvh * head_dim + lane * dl;
        float dot = 0.0f;
#pragma unroll
        for (int j = 0; j < ATTN_MAX_DIMS_PER_LANE; j++)
            if (j < dl) dot += qv[j] * to_f32(k_cache[off + j]);
        const float s = warp_sum(dot);
        const float m_new = fmaxf(m, s);
        const float c = __expf(m - m_new), w = __expf(s - m_new);
        l = l * c + w;
#pragma unroll
        for (int j = 0; j < ATTN_MAX_DIMS_PER_LANE; j++)
            if (j < dl) acc[j] = acc[j] * c + w * to_f32(v_cache[off + j]);
        m = m_new;
    }

    // Merge the warps: M = max m_w, L = sum l_w e^(m_w - M), O = sum acc_w e^(m_w - M) / L.
    __shared__ float sm[ATTN_WARPS], sl[ATTN_WARPS];
    __shared__ float sacc[ATTN_WARPS][ATTN_MAX_DIMS_PER_LANE * 32];
    if (lane == 0) { sm[warp] = m; sl[warp] = l; }
#pragma unroll
    for (int j = 0; j < ATTN_MAX_DIMS_PER_LANE; j++)
        if (j < dl) sacc[warp][lane * dl + j] = acc[j];
    __syncthreads();
    float M = -INFINITY;
    for (int w = 0; w < ATTN_WARPS; w++) M = fmaxf(M, sm[w]);
    float L = 0.0f;
    for (int w = 0; w < ATTN_WARPS; w++) L += sm[w] == -INFINITY ? 0.0f : sl[w] * __expf(sm[w] - M);
    const long long head_row = (long long)b * num_q_heads + h;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float o = 0.0f;
        for (int w = 0; w < ATTN_WARPS; w++)
            if (sm[w] != -INFINITY) o += sacc[w][d] * __expf(sm[w] - M);
        o = L > 0.0f ? o / L : 0.0f;  // an empty range (or seq_len 0) gives zeros, never NaN
        if (partitions == 1) out[head_row * head_dim + d] = to_bf16(o);
        else part_out[(head_row * partitions + p) * head_dim + d] = o;
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
    merge_partitions(part_out, part_ml, out, head_row, head_dim, partitions);
    if (threadIdx.x == 0) counters[head_row] = 0;
}

// paged_attention_reduce: merge_partitions for every (sequence, head).
// grid = (num_q_heads, seqs), block = head_dim threads; shapes as in paged_attention.
extern "C" __global__ void paged_attention_reduce(const float* __restrict__ part_out, const float* __restrict__ part_ml,
                                                  bf16* __restrict__ out, int num_q_heads, int head_dim,
                                                  int partitions) {
    grid_dependency_sync();
    merge_partitions(part_out, part_ml, out, (long long)blockIdx.y * num_q_heads + blockIdx.x, head_dim, partitions);
}
