// Causal paged attention for the prefill chunks of a step, tiled so that each K/V row is read once per tile of
// query rows instead of once per query row (step_attention reads the whole context again for every token):
//   out[t, h] = sum_j softmax_j(scale * <q[t, h], k_j>) v_j      j < lens[t], over token t's sequence
// q [tokens, heads * D] bf16; caches [blocks, block_size, kv_heads, D] bf16 (one layer); tables [tokens, max_blocks]
// (each token carries its sequence's table row); head h reads kv head h / (heads / kv_heads).
// tiles [n, 2]: (first token, rows) of up to PA_Q consecutive tokens of ONE sequence, in position order, so the last
// row has the longest context. grid = (tiles, heads), block = 128 threads = 16 row groups x 8 parts: thread (g, p)
// owns query rows g, g + 16, g + 32, g + 48 and dims p, p + 8, ... (D a multiple of 8, at most 128), so every value
// it reads from shared memory feeds 4 rows (register blocking: shared-memory reads, not FMAs, bounded the one-row
// version). Per key tile of PA_K positions staged in shared memory as fp32, in chunks of PA_C keys: scores (dot over
// the 8 parts, three shuffles), one online-softmax update per chunk, then P·V.
#include "common.cuh"

#define PA_Q 64
#define PA_K 32
#define PA_C 8
#define PA_ROWS 4
#define PA_PARTS 8
#define PA_MAX_D 128
#define PA_DIMS (PA_MAX_D / PA_PARTS)

extern "C" __global__ void __launch_bounds__(128)
prefill_attention_tiled(const bf16* __restrict__ q, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
                        const int* __restrict__ tables, const int* __restrict__ lens, const int* __restrict__ tiles,
                        bf16* __restrict__ out, int heads, int kv_heads, int head_dim, int block_size, int max_blocks,
                        float scale) {
    grid_dependency_sync();
    __shared__ float ks[PA_K][PA_MAX_D];
    __shared__ float vs[PA_K][PA_MAX_D];
    const int first = tiles[2 * blockIdx.x], rows = tiles[2 * blockIdx.x + 1];
    const int h = blockIdx.y;
    const int kvh = h / (heads / kv_heads);
    const int part = threadIdx.x % PA_PARTS, group = threadIdx.x / PA_PARTS;
    const int per = head_dim / PA_PARTS;  // dims of this thread: part, part + 8, ...
    const int max_len = lens[first + rows - 1];
    const int* table = tables + (size_t)first * max_blocks;  // the tile's rows share one sequence
    const int kv_dim = kv_heads * head_dim;

    float qr[PA_ROWS][PA_DIMS], acc[PA_ROWS][PA_DIMS], m[PA_ROWS], l[PA_ROWS];
    int len[PA_ROWS];
#pragma unroll
    for (int r = 0; r < PA_ROWS; r++) {
        const int row = group + 16 * r;
        // rows past the tile's end compute on its last row and are never written
        const int t = first + min(row, rows - 1);
        len[r] = lens[t];
        const bf16* qh = q + (size_t)t * heads * head_dim + (size_t)h * head_dim + part;
#pragma unroll
        for (int i = 0; i < PA_DIMS; i++) {
            qr[r][i] = i < per ? to_f32(qh[PA_PARTS * i]) * scale : 0.0f;
            acc[r][i] = 0.0f;
        }
        m[r] = -INFINITY;
        l[r] = 0.0f;
    }
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
        for (int c = 0; c < PA_K; c += PA_C) {
            float s[PA_ROWS][PA_C];
#pragma unroll
            for (int j = 0; j < PA_C; j++) {
                float kj[PA_DIMS];
#pragma unroll
                for (int i = 0; i < PA_DIMS; i++) kj[i] = i < per ? ks[c + j][part + PA_PARTS * i] : 0.0f;
#pragma unroll
                for (int r = 0; r < PA_ROWS; r++) {
                    float dot = 0.0f;
#pragma unroll
                    for (int i = 0; i < PA_DIMS; i++) dot += qr[r][i] * kj[i];
                    dot += __shfl_xor_sync(0xffffffffu, dot, 1);
                    dot += __shfl_xor_sync(0xffffffffu, dot, 2);
                    dot += __shfl_xor_sync(0xffffffffu, dot, 4);
                    s[r][j] = base + c + j < len[r] ? dot : -INFINITY;
                }
            }
#pragma unroll
            for (int r = 0; r < PA_ROWS; r++) {
                float chunk_max = -INFINITY;
#pragma unroll
                for (int j = 0; j < PA_C; j++) chunk_max = fmaxf(chunk_max, s[r][j]);
                const float m_new = fmaxf(m[r], chunk_max);
                // nothing of this chunk is in the row's context (and maybe nothing yet at all): keep the state
                const float correction = m_new == -INFINITY ? 1.0f : __expf(m[r] - m_new);
                l[r] *= correction;
#pragma unroll
                for (int i = 0; i < PA_DIMS; i++) acc[r][i] *= correction;
#pragma unroll
                for (int j = 0; j < PA_C; j++) {
                    s[r][j] = m_new == -INFINITY ? 0.0f : __expf(s[r][j] - m_new);  // masked keys give 0
                    l[r] += s[r][j];
                }
                m[r] = m_new;
            }
#pragma unroll
            for (int j = 0; j < PA_C; j++) {
#pragma unroll
                for (int i = 0; i < PA_DIMS; i++) {
                    const float vj = i < per ? vs[c + j][part + PA_PARTS * i] : 0.0f;
#pragma unroll
                    for (int r = 0; r < PA_ROWS; r++) acc[r][i] += s[r][j] * vj;
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < PA_ROWS; r++) {
        const int row = group + 16 * r;
        if (row >= rows) continue;
        const float inv = l[r] > 0.0f ? 1.0f / l[r] : 0.0f;
        bf16* o = out + (size_t)(first + row) * heads * head_dim + (size_t)h * head_dim + part;
#pragma unroll
        for (int i = 0; i < PA_DIMS; i++)
            if (i < per) o[PA_PARTS * i] = to_bf16(acc[r][i] * inv);
    }
}
