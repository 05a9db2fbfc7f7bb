#include "common.cuh"

// ---- Routed experts of large groups (prefill): tiled grouped GEMMs on tensor cores ----
// Same groups and outputs as expert_mma.cu, for the groups with min_rows <= count < max_rows; meant for groups of
// tens to thousands of rows (prefill steps). For those the backend used to read the group table back to the host
// once per layer, gather the rows into blocks padded to the largest group, run gate, up and down as batched cuBLAS
// GEMMs with SiLU·mul between them and scatter the rows back. Here the rows are gathered while their tiles load, gate
// and up are one GEMM with SiLU·mul in the epilogue, and nothing waits for the host.
//
// A block computes a 128-row x 128-column tile of one group (gate/up: 64 gate and the same 64 up features, so each
// lane holds both halves of its outputs): 8 warps as 2 (rows) x 4 (columns), each 64 x 32 as 4 x 4
// mma.sync.m16n8k16 tiles (bf16 in, fp32 accumulate). K advances 32 at a time through a 3-stage cp.async pipeline
// (per stage A: 128 rows x 32 k, B: 128 weight rows x 32 k, 8 KB each) and fragments come out by ldmatrix. Shared
// rows are 64 bytes, four 16-byte chunks; chunk c of row r is stored at 16-byte slot 4r + (c ^ ((r >> 1) & 3)), so
// the 8 row addresses of each ldmatrix phase fall into 8 different bank groups.
// blockIdx.y numbers the m-tiles (128 rows) of the selected groups in group order, found in the block from
// group_count; blockIdx.x is the column tile. Blocks past the last m-tile return at once, so the grid is sized for the
// worst case: ceil(slots / 128) + groups. Needs k % 32 == 0 for both GEMMs, 16-byte aligned rows and matrices (the
// caller checks: StepKernels.tiledFits, MoeLayout / expert pointer alignment).

#define TILE_M 128
#define TILE_N 128
#define TILE_K 32
#define TILE_STAGES 3
#define TILE_THREADS 256

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem, bool valid) {
    const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    // src-size 0 fills the 16 bytes with zeros (rows past the group, features past the matrix)
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(s), "l"(gmem), "r"(valid ? 16 : 0));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }

template <int PENDING>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;" ::"n"(PENDING) : "memory");
}

__device__ __forceinline__ void ldmatrix_x4(unsigned (&r)[4], const void* smem) {
    const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(s));
}

// 16-byte slot of chunk c (k = 8c .. 8c + 7) of tile row r
__device__ __forceinline__ int tile_slot(int r, int c) { return 4 * r + (c ^ ((r >> 1) & 3)); }

// The group and first row of m-tile `tile` among the groups with min_rows <= count < max_rows (false past the last).
// Warp 0 scans the counts 32 groups at a time with a prefix sum; the answer goes through `scratch` (two ints of
// the block's tile memory, free again when this returns).
__device__ __forceinline__ bool tile_group(const int* __restrict__ group_count, const int* __restrict__ num_groups,
                                           int min_rows, int max_rows, int tile, int* scratch, int& group,
                                           int& row0) {
    if (threadIdx.x < 32) {
        const int lane = threadIdx.x, n = *num_groups;
        int before = 0, found = -1, found_row = 0;
        for (int g0 = 0; g0 < n && found < 0; g0 += 32) {  // found and n are warp-uniform
            const int g = g0 + lane;
            const int count = g < n ? group_count[g] : 0;
            const int tiles = count >= min_rows && count < max_rows ? (count + TILE_M - 1) / TILE_M : 0;
            int incl = tiles;
#pragma unroll
            for (int o = 1; o < 32; o <<= 1) {
                const int v = __shfl_up_sync(0xffffffffu, incl, o);
                if (lane >= o) incl += v;
            }
            const int first = before + incl - tiles;  // this group's first m-tile
            const unsigned hit = __ballot_sync(0xffffffffu, tile >= first && tile < first + tiles);
            if (hit != 0) {
                const int src = __ffs(hit) - 1;
                found = __shfl_sync(0xffffffffu, g, src);
                found_row = __shfl_sync(0xffffffffu, (tile - first) * TILE_M, src);
            }
            before += __shfl_sync(0xffffffffu, incl, 31);
        }
        if (lane == 0) {
            scratch[0] = found;
            scratch[1] = found_row;
        }
    }
    __syncthreads();
    group = scratch[0];
    row0 = scratch[1];
    __syncthreads();  // scratch is tile memory: the pipeline overwrites it next
    return group >= 0;
}

// This thread's two tile rows of each operand (rows tid / 4 and 64 + tid / 4, chunk tid % 4); null loads zeros.
// `any` is a valid global address for the zero-filling copies, which read nothing.
struct TileOperands {
    const bf16* a[2];
    const bf16* b[2];
    const bf16* any;
};

// Shared memory of a block: per stage the A tile (TILE_M rows) then the B tile (TILE_N rows), 16-byte chunks.
typedef uint4 TileStages[TILE_STAGES][(TILE_M + TILE_N) * 4];

// The tile product of one block over all of k: acc[mi][nt] (m16n8 tiles) = A rows 64 wm + 16 mi .. + 15 times B
// rows b_pair0 + 8 nt (nt < 2) or b_pair1 + 8 (nt - 2) (nt >= 2), where wm = warp & 1.
__device__ __forceinline__ void tile_mma(TileStages& tiles, const TileOperands& src, int k, int b_pair0, int b_pair1,
                                         float (&acc)[4][4][4]) {
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, wm = warp & 1;
    const int c = tid & 3;
    const int kt_count = k / TILE_K;
    auto load = [&](int stage, int kt) {
#pragma unroll
        for (int j = 0; j < 2; j++) {
            const int r = (tid >> 2) + 64 * j;
            const int off = kt * TILE_K + 8 * c;
            cp_async16(&tiles[stage][tile_slot(r, c)], src.a[j] != nullptr ? src.a[j] + off : src.any,
                       src.a[j] != nullptr);
            cp_async16(&tiles[stage][TILE_M * 4 + tile_slot(r, c)], src.b[j] != nullptr ? src.b[j] + off : src.any,
                       src.b[j] != nullptr);
        }
    };
#pragma unroll
    for (int mi = 0; mi < 4; mi++)
#pragma unroll
        for (int nt = 0; nt < 4; nt++) acc[mi][nt][0] = acc[mi][nt][1] = acc[mi][nt][2] = acc[mi][nt][3] = 0.0f;
#pragma unroll
    for (int s = 0; s < TILE_STAGES - 1; s++) {
        if (s < kt_count) load(s, s);
        cp_async_commit();
    }
    // ldmatrix addresses: A rows 64 wm + 16 mi + (lane & 15), chunk (lane >> 4); B rows pair + (lane & 7) +
    // 8 (lane >> 4), chunk (lane >> 3) & 1 (two n8 tiles per x4: b0, b1 of the first, b0, b1 of the second)
    const int a_row = 64 * wm + (lane & 15), a_chunk = lane >> 4;
    const int b_row = (lane & 7) + 8 * (lane >> 4), b_chunk = (lane >> 3) & 1;
    for (int kt = 0; kt < kt_count; kt++) {
        cp_async_wait<TILE_STAGES - 2>();
        __syncthreads();  // stage kt has landed for every thread, and everyone is done with stage kt - 1
        const int next = kt + TILE_STAGES - 1;
        if (next < kt_count) load(next % TILE_STAGES, next);
        cp_async_commit();
        const uint4* as = tiles[kt % TILE_STAGES];
        const uint4* bs = as + TILE_M * 4;
#pragma unroll
        for (int kk = 0; kk < 2; kk++) {  // two k16 steps per stage
            unsigned af[4][4], bf[2][4];
#pragma unroll
            for (int mi = 0; mi < 4; mi++) ldmatrix_x4(af[mi], &as[tile_slot(a_row + 16 * mi, 2 * kk + a_chunk)]);
            ldmatrix_x4(bf[0], &bs[tile_slot(b_pair0 + b_row, 2 * kk + b_chunk)]);
            ldmatrix_x4(bf[1], &bs[tile_slot(b_pair1 + b_row, 2 * kk + b_chunk)]);
#pragma unroll
            for (int mi = 0; mi < 4; mi++)
#pragma unroll
                for (int nt = 0; nt < 4; nt++)
                    mma16816(acc[mi][nt], af[mi][0], af[mi][1], af[mi][2], af[mi][3], bf[nt >> 1][2 * (nt & 1)],
                             bf[nt >> 1][2 * (nt & 1) + 1]);
        }
    }
    cp_async_wait<0>();  // nothing is in flight when the block leaves (the last groups are empty)
}

// act[r, n] = bf16( bf16(silu(bf16(x[src(r)] . Wg_e[n]))) * bf16(x[src(r)] . Wu_e[n]) ), src(r) = row_token[r], as
// expert_gate_up_mma, for the groups with min_rows <= count < max_rows. x [tokens, k], act [rows, inter].
// grid = (ceil(inter / 64), ceil(slots / 128) + groups), block = 256.
extern "C" __global__ void __launch_bounds__(TILE_THREADS, 2)
expert_gate_up_tiled(const bf16* __restrict__ x, const int* __restrict__ row_token,
                     const unsigned long long* __restrict__ gate_ptrs, const unsigned long long* __restrict__ up_ptrs,
                     const int* __restrict__ group_expert, const int* __restrict__ group_start,
                     const int* __restrict__ group_count, const int* __restrict__ num_groups, int min_rows,
                     int max_rows, bf16* __restrict__ act, int k, int inter) {
    grid_dependency_sync();
    __shared__ __align__(128) TileStages tiles;
    int group, row0;
    if (!tile_group(group_count, num_groups, min_rows, max_rows, blockIdx.y, reinterpret_cast<int*>(tiles), group,
                    row0))
        return;
    const int e = group_expert[group], start = group_start[group] + row0;
    const int rows = min(TILE_M, group_count[group] - row0);
    const int n0 = blockIdx.x * 64;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, wm = warp & 1, wn = warp >> 1;
    const int g = lane >> 2, t = lane & 3;
    const bf16* wg = reinterpret_cast<const bf16*>(gate_ptrs[e]);
    const bf16* wu = reinterpret_cast<const bf16*>(up_ptrs[e]);
    TileOperands src;
    src.any = wg;
#pragma unroll
    for (int j = 0; j < 2; j++) {
        const int r = (tid >> 2) + 64 * j;  // A: a row of the group; B: gate features n0 .. n0 + 63, then up
        src.a[j] = r < rows ? x + (long long)row_token[start + r] * k : nullptr;
        const int f = n0 + (r & 63);
        src.b[j] = f < inter ? (r < 64 ? wg : wu) + (long long)f * k : nullptr;
    }
    float acc[4][4][4];
    // warp column wn: gate features n0 + 16 wn .. + 15 (tiles 0, 1) and the same up features (tiles 2, 3)
    tile_mma(tiles, src, k, 16 * wn, 64 + 16 * wn, acc);
#pragma unroll
    for (int mi = 0; mi < 4; mi++) {
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const int r = 64 * wm + 16 * mi + 8 * h + g;
            if (r >= rows) continue;
#pragma unroll
            for (int q = 0; q < 2; q++) {
                const int f = n0 + 16 * wn + 8 * q + 2 * t;
                if (f >= inter) continue;
                float v[2];
#pragma unroll
                for (int j = 0; j < 2; j++) {
                    const float gq = round_bf16(acc[mi][q][2 * h + j]);
                    v[j] = round_bf16(gq / (1.0f + __expf(-gq))) * round_bf16(acc[mi][2 + q][2 * h + j]);
                }
                *reinterpret_cast<__nv_bfloat162*>(act + (long long)(start + r) * inter + f) =
                        __floats2bfloat162_rn(v[0], v[1]);
            }
        }
    }
}

// y[r, n] = bf16(act[r] . Wd_e[n]), as expert_down_mma, for the groups with min_rows <= count < max_rows.
// act [rows, inter], y [rows, hidden]. grid = (ceil(hidden / 128), ceil(slots / 128) + groups), block = 256.
extern "C" __global__ void __launch_bounds__(TILE_THREADS, 2)
expert_down_tiled(const bf16* __restrict__ act, const unsigned long long* __restrict__ down_ptrs,
                  const int* __restrict__ group_expert, const int* __restrict__ group_start,
                  const int* __restrict__ group_count, const int* __restrict__ num_groups, int min_rows, int max_rows,
                  bf16* __restrict__ y, int inter, int hidden) {
    grid_dependency_sync();
    __shared__ __align__(128) TileStages tiles;
    int group, row0;
    if (!tile_group(group_count, num_groups, min_rows, max_rows, blockIdx.y, reinterpret_cast<int*>(tiles), group,
                    row0))
        return;
    const int e = group_expert[group], start = group_start[group] + row0;
    const int rows = min(TILE_M, group_count[group] - row0);
    const int n0 = blockIdx.x * TILE_N;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, wm = warp & 1, wn = warp >> 1;
    const int g = lane >> 2, t = lane & 3;
    const bf16* wd = reinterpret_cast<const bf16*>(down_ptrs[e]);
    TileOperands src;
    src.any = wd;
#pragma unroll
    for (int j = 0; j < 2; j++) {
        const int r = (tid >> 2) + 64 * j;
        src.a[j] = r < rows ? act + (long long)(start + r) * inter : nullptr;
        src.b[j] = n0 + r < hidden ? wd + (long long)(n0 + r) * inter : nullptr;
    }
    float acc[4][4][4];
    tile_mma(tiles, src, inter, 32 * wn, 32 * wn + 16, acc);  // warp column wn: features n0 + 32 wn .. + 31
#pragma unroll
    for (int mi = 0; mi < 4; mi++) {
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const int r = 64 * wm + 16 * mi + 8 * h + g;
            if (r >= rows) continue;
#pragma unroll
            for (int nt = 0; nt < 4; nt++) {
                const int f = n0 + 32 * wn + 8 * nt + 2 * t;
                if (f < hidden) {
                    *reinterpret_cast<__nv_bfloat162*>(y + (long long)(start + r) * hidden + f) =
                            __floats2bfloat162_rn(acc[mi][nt][2 * h], acc[mi][nt][2 * h + 1]);
                }
            }
        }
    }
}
