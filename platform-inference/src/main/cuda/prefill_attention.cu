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
#include "attention_mma.cuh"

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

// The same causal attention with tensor cores (mma.sync.m16n8k16, bf16 in, fp32 accumulate), for head sizes 64 and
// 128: same arguments, grid (tiles, heads) and 128 threads; warp w takes query rows 16w .. 16w + 15 of the tile and
// walks the keys 16 at a time up to the longest context among its rows:
//   S [16 rows x 16 keys] = Q [16 x D] . K^T        2 n-tiles of 8 keys, D/16 mmas each (k order permuted: mma_k32)
//   online softmax per row (the 4 lanes of a row share its max with two shuffles), keys >= lens[row] masked
//   O [16 rows x D] += P [16 x 16] . V [16 x D]    D/8 mmas; P is reused from S's accumulator layout as the A operand
// V's B operand needs key pairs per register: lane (g, t) loads 16 bytes (dims 64u + 8g .. + 7) of the V rows of keys
// 2t, 2t + 1, 2t + 8, 2t + 9 and pairs them with byte permutes, so n-tile (u, j) column g is dim 64u + 8g + j and its
// accumulator holds dims 64u + 16t + j and 64u + 16t + 8 + j of rows g and g + 8. Operands go from global memory (L2:
// the heads of one kv head read the same rows) straight to registers. Needs q, the caches and heads * D * 2-byte rows
// 16-byte aligned (checked by StepKernels). Keys past the longest context re-read its last key (masked), so slots
// never written cannot bring NaN into P . V.
template <int D>
__device__ __forceinline__ void prefill_attention_mma_body(
        const bf16* __restrict__ q, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
        const int* __restrict__ tables, const int* __restrict__ lens, const int* __restrict__ tiles,
        bf16* __restrict__ out, int heads, int kv_heads, int block_size, int max_blocks, float scale) {
    constexpr int C = D / 32;  // 32-wide k chunks of QK
    constexpr int U = D / 64;  // 64-dim groups of PV, 8 n-tiles each
    const int first = tiles[2 * blockIdx.x], rows = tiles[2 * blockIdx.x + 1];
    const int h = blockIdx.y, kvh = h / (heads / kv_heads);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
    if (16 * warp >= rows) return;
    const int ra = min(16 * warp + g, rows - 1), rb = min(16 * warp + g + 8, rows - 1);  // past the end: last row
    const int len_a = lens[first + ra], len_b = lens[first + rb];
    const int keys = lens[first + min(16 * warp + 15, rows - 1)];  // rows are in position order
    const int* table = tables + (size_t)first * max_blocks;        // the tile's rows share one sequence
    const long long kv_stride = (long long)kv_heads * D;
    const bf16* kh = k_cache + (long long)kvh * D;
    const bf16* vh = v_cache + (long long)kvh * D;

    uint4 qa[C], qb[C];
#pragma unroll
    for (int c = 0; c < C; c++) {
        qa[c] = *reinterpret_cast<const uint4*>(q + ((size_t)(first + ra) * heads + h) * D + 32 * c + 8 * t);
        qb[c] = *reinterpret_cast<const uint4*>(q + ((size_t)(first + rb) * heads + h) * D + 32 * c + 8 * t);
    }
    float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f};  // rows g, g + 8 (l: this lane's keys only)
    float acc[8 * U][4];
#pragma unroll
    for (int i = 0; i < 8 * U; i++) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.0f;

    for (int j0 = 0; j0 < keys; j0 += 16) {
        const int ka_key = min(j0 + g, keys - 1), kb_key = min(j0 + 8 + g, keys - 1);
        const int sa = table[ka_key / block_size] * block_size + ka_key % block_size;
        const int sb = table[kb_key / block_size] * block_size + kb_key % block_size;
        KvStep<C, U> kv;
        kv.load(kh, vh, kv_stride, sa, sb, g, t);
        // s[n]: rows g (0, 1) and g + 8 (2, 3) x keys j0 + 8n + 2t, + 1
        float s[2][4] = {{0.0f, 0.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 0.0f, 0.0f}};
#pragma unroll
        for (int c = 0; c < C; c++) {
            mma_k32(s[0], qa[c], qb[c], kv.ka[c]);
            mma_k32(s[1], qa[c], qb[c], kv.kb[c]);
        }
        float mx_a = -INFINITY, mx_b = -INFINITY;
#pragma unroll
        for (int n = 0; n < 2; n++) {
#pragma unroll
            for (int i = 0; i < 2; i++) {
                const int key = j0 + 8 * n + 2 * t + i;
                s[n][i] = key < len_a ? s[n][i] * scale : -INFINITY;
                s[n][2 + i] = key < len_b ? s[n][2 + i] * scale : -INFINITY;
                mx_a = fmaxf(mx_a, s[n][i]);
                mx_b = fmaxf(mx_b, s[n][2 + i]);
            }
        }
#pragma unroll
        for (int o = 1; o < 4; o <<= 1) {
            mx_a = fmaxf(mx_a, __shfl_xor_sync(0xffffffffu, mx_a, o));
            mx_b = fmaxf(mx_b, __shfl_xor_sync(0xffffffffu, mx_b, o));
        }
        const float mn_a = fmaxf(m[0], mx_a), mn_b = fmaxf(m[1], mx_b);
        // a row none of whose keys has come yet keeps its state (every row has key 0, so not past the first step)
        const float c_a = mn_a == -INFINITY ? 1.0f : __expf(m[0] - mn_a);
        const float c_b = mn_b == -INFINITY ? 1.0f : __expf(m[1] - mn_b);
        m[0] = mn_a;
        m[1] = mn_b;
        l[0] *= c_a;
        l[1] *= c_b;
#pragma unroll
        for (int n = 0; n < 2; n++) {
#pragma unroll
            for (int i = 0; i < 2; i++) {
                s[n][i] = mn_a == -INFINITY ? 0.0f : __expf(s[n][i] - mn_a);
                s[n][2 + i] = mn_b == -INFINITY ? 0.0f : __expf(s[n][2 + i] - mn_b);
                l[0] += s[n][i];
                l[1] += s[n][2 + i];
            }
        }
#pragma unroll
        for (int i = 0; i < 8 * U; i++) {
            acc[i][0] *= c_a;
            acc[i][1] *= c_a;
            acc[i][2] *= c_b;
            acc[i][3] *= c_b;
        }
        // P as the A operand: (row g, keys 2t..), (row g + 8, keys 2t..), (row g, keys 8 + 2t..), (row g + 8, ..)
        const __nv_bfloat162 p0 = __floats2bfloat162_rn(s[0][0], s[0][1]), p1 = __floats2bfloat162_rn(s[0][2], s[0][3]);
        const __nv_bfloat162 p2 = __floats2bfloat162_rn(s[1][0], s[1][1]), p3 = __floats2bfloat162_rn(s[1][2], s[1][3]);
        const unsigned a0 = *reinterpret_cast<const unsigned*>(&p0), a1 = *reinterpret_cast<const unsigned*>(&p1);
        const unsigned a2 = *reinterpret_cast<const unsigned*>(&p2), a3 = *reinterpret_cast<const unsigned*>(&p3);
#pragma unroll
        for (int u = 0; u < U; u++) {
#pragma unroll
            for (int j = 0; j < 8; j++) {
                const unsigned sel = (j & 1) ? 0x7632u : 0x5410u;
                mma16816(acc[8 * u + j], a0, a1, a2, a3, kv.v_pair(u, j >> 1, false, sel),
                         kv.v_pair(u, j >> 1, true, sel));
            }
        }
    }
#pragma unroll
    for (int o = 1; o < 4; o <<= 1) {
        l[0] += __shfl_xor_sync(0xffffffffu, l[0], o);
        l[1] += __shfl_xor_sync(0xffffffffu, l[1], o);
    }
    const float inv_a = l[0] > 0.0f ? 1.0f / l[0] : 0.0f, inv_b = l[1] > 0.0f ? 1.0f / l[1] : 0.0f;
    const bool write_a = 16 * warp + g < rows, write_b = 16 * warp + g + 8 < rows;
    bf16* oa = out + ((size_t)(first + ra) * heads + h) * D;
    bf16* ob = out + ((size_t)(first + rb) * heads + h) * D;
#pragma unroll
    for (int u = 0; u < U; u++) {
#pragma unroll
        for (int j = 0; j < 8; j++) {
            const int d0 = 64 * u + 16 * t + j, d1 = d0 + 8;
            if (write_a) {
                oa[d0] = to_bf16(acc[8 * u + j][0] * inv_a);
                oa[d1] = to_bf16(acc[8 * u + j][1] * inv_a);
            }
            if (write_b) {
                ob[d0] = to_bf16(acc[8 * u + j][2] * inv_b);
                ob[d1] = to_bf16(acc[8 * u + j][3] * inv_b);
            }
        }
    }
}

#define PREFILL_MMA_ENTRY(NAME, D)                                                                                 \
    extern "C" __global__ void __launch_bounds__(128) NAME(                                                        \
            const bf16* __restrict__ q, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,        \
            const int* __restrict__ tables, const int* __restrict__ lens, const int* __restrict__ tiles,           \
            bf16* __restrict__ out, int heads, int kv_heads, int block_size, int max_blocks, float scale) {        \
        grid_dependency_sync();                                                                                    \
        prefill_attention_mma_body<D>(q, k_cache, v_cache, tables, lens, tiles, out, heads, kv_heads, block_size,  \
                                      max_blocks, scale);                                                          \
    }

PREFILL_MMA_ENTRY(prefill_attention_mma_d64, 64)
PREFILL_MMA_ENTRY(prefill_attention_mma_d128, 128)
