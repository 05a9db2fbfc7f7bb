// Causal paged attention for the prefill chunks of a step, tiled so that each K/V row is read once per tile of
// query rows instead of once per query row (step_attention reads the whole context again for every token):
//   out[t, h] = sum_j softmax_j(scale * <q[t, h], k_j>) v_j      j < lens[t], over token t's sequence
// q [tokens, heads * D] bf16; caches [blocks, block_size, kv_heads, D] bf16 (one layer); tables [tokens, max_blocks]
// (each token carries its sequence's table row); head h reads kv head h / (heads / kv_heads).
// tiles [n, 2]: (first token, rows) of up to PA_Q consecutive tokens of ONE sequence, in position order, so the last
// row has the longest context. grid = (tiles, heads), block = 128 threads: 4 per query row, each owning the dims
// part + 4 i (conflict-free shared-memory reads; D a multiple of 4, at most 128). Per key tile of PA_K positions,
// staged in shared memory as fp32: the tile's scores (dot over the 4 threads' parts, two shuffles), one
// online-softmax update per tile, then P·V.
#include "common.cuh"

#define PA_Q 32
#define PA_K 32
#define PA_MAX_D 128

extern "C" __global__ void __launch_bounds__(128)
prefill_attention_tiled(const bf16* __restrict__ q, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
                        const int* __restrict__ tables, const int* __restrict__ lens, const int* __restrict__ tiles,
                        bf16* __restrict__ out, int heads, int kv_heads, int head_dim, int block_size, int max_blocks,
                        float scale) {
    __shared__ float ks[PA_K][PA_MAX_D];
    __shared__ float vs[PA_K][PA_MAX_D];
    const int first = tiles[2 * blockIdx.x], rows = tiles[2 * blockIdx.x + 1];
    const int h = blockIdx.y;
    const int kvh = h / (heads / kv_heads);
    const int row = threadIdx.x >> 2, part = threadIdx.x & 3;
    const int per = head_dim / 4;  // dims of this thread: part, part + 4, ...
    const bool active = row < rows;
    const int t = first + (active ? row : rows - 1);
    const int len = lens[t];
    const int max_len = lens[first + rows - 1];
    const int* table = tables + (size_t)first * max_blocks;  // the tile's rows share one sequence
    const int kv_dim = kv_heads * head_dim;

    float qr[PA_MAX_D / 4], acc[PA_MAX_D / 4];
    const bf16* qh = q + (size_t)t * heads * head_dim + (size_t)h * head_dim + part;
#pragma unroll
    for (int i = 0; i < PA_MAX_D / 4; i++) {
        qr[i] = i < per ? to_f32(qh[4 * i]) * scale : 0.0f;
        acc[i] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    for (int base = 0; base < max_len; base += PA_K) {
        __syncthreads();  // the previous tile is no longer read
        for (int i = threadIdx.x; i < PA_K * head_dim; i += blockDim.x) {
            const int j = i / head_dim, d = i % head_dim;
            const int pos = base + j;
            float kv = 0.0f, vv = 0.0f;
            if (pos < max_len) {
                const size_t slot = (size_t)table[pos / block_size] * block_size + pos % block_size;
                kv = to_f32(k_cache[slot * kv_dim + (size_t)kvh * head_dim + d]);
                vv = to_f32(v_cache[slot * kv_dim + (size_t)kvh * head_dim + d]);
            }
            ks[j][d] = kv;
            vs[j][d] = vv;
        }
        __syncthreads();
        float s[PA_K];
        float tile_max = -INFINITY;
#pragma unroll
        for (int j = 0; j < PA_K; j++) {
            float dot = 0.0f;
#pragma unroll
            for (int i = 0; i < PA_MAX_D / 4; i++)
                if (i < per) dot += qr[i] * ks[j][part + 4 * i];
            dot += __shfl_xor_sync(0xffffffffu, dot, 1);
            dot += __shfl_xor_sync(0xffffffffu, dot, 2);
            s[j] = base + j < len ? dot : -INFINITY;
            tile_max = fmaxf(tile_max, s[j]);
        }
        if (tile_max == -INFINITY) continue;  // this row's context ended before the tile (others may go on)
        const float m_new = fmaxf(m, tile_max);
        const float correction = __expf(m - m_new);
        l *= correction;
#pragma unroll
        for (int i = 0; i < PA_MAX_D / 4; i++) acc[i] *= correction;
#pragma unroll
        for (int j = 0; j < PA_K; j++) {
            const float p = __expf(s[j] - m_new);  // 0 for masked positions
            l += p;
#pragma unroll
            for (int i = 0; i < PA_MAX_D / 4; i++)
                if (i < per) acc[i] += p * vs[j][part + 4 * i];
        }
        m = m_new;
    }
    if (!active) return;
    const float inv = l > 0.0f ? 1.0f / l : 0.0f;
    bf16* o = out + (size_t)t * heads * head_dim + (size_t)h * head_dim + part;
    for (int i = 0; i < per; i++) o[4 * i] = to_bf16(acc[i] * inv);
}
