#include "common.cuh"

// ---- Routed experts on tensor cores: grouped GEMMs over the rows of each active expert ----
// Same grouping and outputs as expert_gate_up / expert_down (decoder_step.cu): group g < *num_groups is expert
// group_expert[g] with rows [group_start[g], group_start[g] + group_count[g]). These kernels take the groups with
// min_rows <= count < max_rows (the CUDA-core kernels take the smaller ones, expert_tiled.cu the larger ones in
// prefill), so all kinds can be launched for the same step (graph-capturable, no host sync) and each group runs
// exactly once.
//
// Each warp owns a few 8-feature tiles of one expert and multiplies them with the group's rows by
// mma.sync.m16n8k16 (bf16 in, fp32 accumulate), 16 rows per m-tile, up to 32 rows per pass. Nothing goes through
// shared memory: the reduction over K does not depend on the order of k, so both operands use the same permuted k
// order that lets every lane fetch 16 contiguous bytes. For a 32-wide k step at k0, lane (g = lane / 4, t = lane % 4)
// loads elements k0 + 8t .. k0 + 8t + 7 (words w0..w3) of weight row n0 + g and of activation rows g and g + 8; the
// first mma of the step takes (w0, w1), the second (w2, w3), in the register places where m16n8k16 expects
// k = (2t, 2t + 1) and (2t + 8, 2t + 9). Both operands map logical k the same way, so the dot products are exact
// sums over all 32 k (in a different order). Weight rows are streamed once per pass with 16-byte loads that bypass
// L1, MMA_UNROLL k steps in flight per lane; activation rows (a few KB per step) come from L1/L2.
// Accumulators: lane holds (row g, features 2t, 2t + 1) and (row g + 8, same features) of each tile, so the
// epilogue (SiLU·mul, bf16 rounding) needs no shuffles. Needs k % 32 == 0 and 16-byte aligned rows (checked by
// the caller: StepKernels.mmaFits).

#define MMA_WARPS 4
#define MMA_UNROLL 4  // k steps of 32 whose weight loads are issued before their multiplies

__device__ __forceinline__ uint4 load_stream(const bf16* p) {
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
}

// VIA_L2: through L2 only (__ldcg), for rows another block of the same grid wrote (expert_mlp_mma_fused).
template <bool VIA_L2 = false>
__device__ __forceinline__ uint4 load_row(const bf16* p) {
    if (p == nullptr) return make_uint4(0, 0, 0, 0);
    if constexpr (VIA_L2) return __ldcg(reinterpret_cast<const uint4*>(p));
    else return *reinterpret_cast<const uint4*>(p);
}

// Group g's expert and rows, or false when it has nothing to do (past *num_groups or outside the row range).
// VIA_L2: read through L2 only (__ldcg), for reads before the grid wait of data an earlier kernel wrote.
template <bool VIA_L2 = false>
__device__ __forceinline__ bool mma_group(const int* group_expert, const int* group_start, const int* group_count,
                                          const int* num_groups, int min_rows, int max_rows, int g, int& e,
                                          int& start, int& count) {
    auto read = [](const int* p) {
        if constexpr (VIA_L2) return __ldcg(p);
        else return *p;
    };
    if (g >= read(num_groups)) return false;
    count = read(group_count + g);
    if (count < min_rows || count >= max_rows) return false;
    e = read(group_expert + g);
    start = read(group_start + g);
    return true;
}

// rows[i] = first element (plus the lane's k offset) of pass row g + 8i, null past the pass's rn rows.
// Rows are the tokens' rows of x (gather) when row_token is given, else consecutive rows from `first`.
__device__ __forceinline__ void pass_rows(const bf16* (&rows)[4], const bf16* base, const int* row_token,
                                          long long first, int rn, int ld, int g, int t) {
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int r = g + 8 * i;
        if (r < rn) {
            const long long src = row_token != nullptr ? row_token[first + r] : first + r;
            rows[i] = base + src * ld + 8 * t;
        } else {
            rows[i] = nullptr;
        }
    }
}

// The weight chunks of the MMA_UNROLL k steps from kb on (past k: left as they are, never used).
__device__ __forceinline__ void mma_load(uint4 (&w0)[MMA_UNROLL], uint4 (&w1)[MMA_UNROLL], const bf16* b0,
                                         const bf16* b1, int kb, int k) {
#pragma unroll
    for (int u = 0; u < MMA_UNROLL; u++) {
        if (kb + 32 * u < k) {
            w0[u] = load_stream(b0 + kb + 32 * u);
            w1[u] = load_stream(b1 + kb + 32 * u);
        }
    }
}

// The multiplies of the k steps from kb on with the weight chunks mma_load fetched; ROWS_VIA_L2 as in load_row.
template <bool ROWS_VIA_L2 = false>
__device__ __forceinline__ void mma_multiply(const bf16* const (&rows)[4], int rn, const uint4 (&w0)[MMA_UNROLL],
                                             const uint4 (&w1)[MMA_UNROLL], int kb, int k, float (&c0)[2][4],
                                             float (&c1)[2][4]) {
#pragma unroll
    for (int u = 0; u < MMA_UNROLL; u++) {
        const int kk = kb + 32 * u;
        if (kk >= k) break;
#pragma unroll
        for (int m = 0; m < 2; m++) {
            if (m == 0 || rn > 16) {
                const uint4 lo = load_row<ROWS_VIA_L2>(rows[2 * m] != nullptr ? rows[2 * m] + kk : nullptr);
                const uint4 hi = load_row<ROWS_VIA_L2>(rows[2 * m + 1] != nullptr ? rows[2 * m + 1] + kk : nullptr);
                mma_k32(c0[m], lo, hi, w0[u]);
                mma_k32(c1[m], lo, hi, w1[u]);
            }
        }
    }
}

// One pass of up to 32 rows over k in [k_begin, k) (k_begin a multiple of 32): c0 += rows x B0, c1 += rows x B1,
// where b0 / b1 point at the lane's first element of two 8-feature weight tiles (row n0 + g of each, k offset 8t) and
// rows[] come from pass_rows. Weight loads of MMA_UNROLL k steps are issued before their multiplies.
template <bool ROWS_VIA_L2 = false>
__device__ __forceinline__ void mma_pass(const bf16* const (&rows)[4], int rn, const bf16* b0, const bf16* b1,
                                         int k_begin, int k, float (&c0)[2][4], float (&c1)[2][4]) {
    for (int kb = k_begin; kb < k; kb += 32 * MMA_UNROLL) {
        uint4 w0[MMA_UNROLL], w1[MMA_UNROLL];
        mma_load(w0, w1, b0, b1, kb, k);
        mma_multiply<ROWS_VIA_L2>(rows, rn, w0, w1, kb, k, c0, c1);
    }
}


// Split-K inside a block (KSPLIT == MMA_WARPS): the block's warps share one set of tiles and each takes a quarter of
// K, so a step with few active (expert, tile) pairs (batch 1: 8 experts) still has four times the weight loads in
// flight; without it the few warps per SM wait out ~16 load round trips each and reach ~1.5 TB/s. The partial
// accumulators are added through shared memory in warp order (deterministic), and warp 0 writes the results.
// k range of warp part p: [p * chunk, (p + 1) * chunk), chunk = K / KSPLIT rounded up to 32.
__device__ __forceinline__ int split_chunk(int k, int parts) { return ((k + 32 * parts - 1) / (32 * parts)) * 32; }

// Adds the other warps' c0/c1 into warp 0's (16 floats per lane). Every warp of the block calls it.
__device__ __forceinline__ void split_reduce(float (&c0)[2][4], float (&c1)[2][4], int part, int lane) {
    __shared__ float partial[MMA_WARPS - 1][16][32];  // [part - 1][value][lane]: conflict-free
    if (part > 0) {
#pragma unroll
        for (int i = 0; i < 8; i++) {
            partial[part - 1][i][lane] = c0[i / 4][i % 4];
            partial[part - 1][8 + i][lane] = c1[i / 4][i % 4];
        }
    }
    __syncthreads();
    if (part == 0) {
#pragma unroll
        for (int p = 0; p < MMA_WARPS - 1; p++) {
#pragma unroll
            for (int i = 0; i < 8; i++) {
                c0[i / 4][i % 4] += partial[p][i][lane];
                c1[i / 4][i % 4] += partial[p][8 + i][lane];
            }
        }
    }
    __syncthreads();  // partial[] is reused by the next pass
}

// act[r, n] = bf16( bf16(silu(bf16(x[src(r)] . Wg_e[n]))) * bf16(x[src(r)] . Wu_e[n]) ), src(r) = row_token[r],
// for the rows r of each group with min_rows <= count < max_rows. x [tokens, k], act [rows, inter].
// This block's work: group g, feature block bx.
template <int KSPLIT>
__device__ __forceinline__ void gate_up_mma_body(const bf16* __restrict__ x, const int* __restrict__ row_token,
                                                 const unsigned long long* __restrict__ gate_ptrs,
                                                 const unsigned long long* __restrict__ up_ptrs,
                                                 const int* __restrict__ group_expert,
                                                 const int* __restrict__ group_start,
                                                 const int* __restrict__ group_count,
                                                 const int* __restrict__ num_groups, int min_rows, int max_rows,
                                                 bf16* __restrict__ act, int k, int inter, int group, int bx) {
    static_assert(KSPLIT == 1 || KSPLIT == MMA_WARPS, "a block's warps split K all together or not at all");
    int e, start, count;
    // block-uniform exits only (group, and n0 with KSPLIT > 1): split_reduce has barriers
    if (!mma_group(group_expert, group_start, group_count, num_groups, min_rows, max_rows, group, e, start, count))
        return;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    const int part = warp % KSPLIT;
    const int n0 = bx * (8 * MMA_WARPS / KSPLIT) + (warp / KSPLIT) * 8;
    if (n0 >= inter) return;
    const int chunk = KSPLIT > 1 ? split_chunk(k, KSPLIT) : k;
    const int k_begin = part * chunk, k_end = min(k, k_begin + chunk);
    const bf16* wg = reinterpret_cast<const bf16*>(gate_ptrs[e]) + (long long)(n0 + g) * k + 8 * t;
    const bf16* wu = reinterpret_cast<const bf16*>(up_ptrs[e]) + (long long)(n0 + g) * k + 8 * t;
    for (int r0 = 0; r0 < count; r0 += 32) {
        const int rn = min(32, count - r0);
        const bf16* rows[4];
        pass_rows(rows, x, row_token, start + r0, rn, k, g, t);
        float cg[2][4] = {}, cu[2][4] = {};
        mma_pass(rows, rn, wg, wu, k_begin, k_end, cg, cu);
        if (KSPLIT > 1) {
            split_reduce(cg, cu, part, lane);
            if (part != 0) continue;
        }
#pragma unroll
        for (int m = 0; m < 2; m++) {
#pragma unroll
            for (int h = 0; h < 2; h++) {
                const int r = 16 * m + 8 * h + g;
                if (r < rn) {
                    float v[2];
#pragma unroll
                    for (int j = 0; j < 2; j++) {
                        const float gq = round_bf16(cg[m][2 * h + j]);
                        v[j] = round_bf16(gq / (1.0f + __expf(-gq))) * round_bf16(cu[m][2 * h + j]);
                    }
                    *reinterpret_cast<__nv_bfloat162*>(act + (long long)(start + r0 + r) * inter + n0 + 2 * t) =
                            __floats2bfloat162_rn(v[0], v[1]);
                }
            }
        }
    }
}

// expert_gate_up_mma: warp w of block b owns features n0 = 32 b + 8 w .. n0 + 7, a gate tile and an up tile, over
// the whole K; grid = (ceil(inter / 32), groups). expert_gate_up_mma_splitk: the block's 4 warps share features
// n0 = 8 b .. 8 b + 7 and split K; grid = (ceil(inter / 8), groups). block = 128. inter % 8 == 0, k % 32 == 0.
#define GATE_UP_MMA_ENTRY(NAME, KSPLIT)                                                                          \
    extern "C" __global__ void __launch_bounds__(MMA_WARPS * 32) NAME(                                           \
            const bf16* __restrict__ x, const int* __restrict__ row_token,                                       \
            const unsigned long long* __restrict__ gate_ptrs, const unsigned long long* __restrict__ up_ptrs,    \
            const int* __restrict__ group_expert, const int* __restrict__ group_start,                           \
            const int* __restrict__ group_count, const int* __restrict__ num_groups, int min_rows, int max_rows, \
            bf16* __restrict__ act, int k, int inter) {                                                          \
        grid_dependency_sync();                                                                                  \
        gate_up_mma_body<KSPLIT>(x, row_token, gate_ptrs, up_ptrs, group_expert, group_start, group_count,       \
                                 num_groups, min_rows, max_rows, act, k, inter, blockIdx.y, blockIdx.x);         \
    }
GATE_UP_MMA_ENTRY(expert_gate_up_mma, 1)
GATE_UP_MMA_ENTRY(expert_gate_up_mma_splitk, MMA_WARPS)

// y[r, n] = bf16(act[r] . Wd_e[n]) for the rows r of each group with min_rows <= count < max_rows;
// act [rows, inter], y [rows, hidden]. This block's work: group `group`, feature block bx.
// EARLY (expert_down_mma_splitk_early, for decode steps of at most 8 tokens): the group table and the first
// MMA_UNROLL k steps of weights are read before the grid wait. That is safe because the table comes from the
// router, two kernels back: this kernel starts only after every block of gate/up, the kernel in between, has passed
// its own wait for the router. Only act (gate/up's output) is read after the wait.
// FUSED (expert_mlp_mma_fused, EARLY too): the wait is for *group_done to reach group_target (the group's gate/up
// blocks in the same grid, see there) instead, and act rows are read through L2 only.
__device__ __forceinline__ void wait_group_done(const int* group_done, int group_target) {
    if (threadIdx.x == 0) {
        int v;
        while (true) {
            asm volatile("ld.acquire.gpu.global.b32 %0, [%1];" : "=r"(v) : "l"(group_done) : "memory");
            if (v >= group_target) break;
            __nanosleep(32);
        }
    }
    __syncthreads();
}

template <int KSPLIT, bool EARLY = false, bool FUSED = false>
__device__ __forceinline__ void down_mma_body(const bf16* __restrict__ act,
                                              const unsigned long long* __restrict__ down_ptrs,
                                              const int* __restrict__ group_expert,
                                              const int* __restrict__ group_start,
                                              const int* __restrict__ group_count, const int* __restrict__ num_groups,
                                              int min_rows, int max_rows, bf16* __restrict__ y, int inter,
                                              int hidden, int group, int bx, const int* group_done = nullptr,
                                              int group_target = 0) {
    static_assert(KSPLIT == 1 || KSPLIT == MMA_WARPS, "a block's warps split K all together or not at all");
    int e, start, count;
    const bool active = mma_group<EARLY>(group_expert, group_start, group_count, num_groups, min_rows, max_rows,
                                         group, e, start, count);
    if (!EARLY && !active) return;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    const int part = warp % KSPLIT;
    const int n0 = bx * (16 * MMA_WARPS / KSPLIT) + (warp / KSPLIT) * 16;
    if (!EARLY && n0 >= hidden) return;
    const int chunk = KSPLIT > 1 ? split_chunk(inter, KSPLIT) : inter;
    const int k_begin = part * chunk, k_end = min(inter, k_begin + chunk);
    uint4 first0[MMA_UNROLL], first1[MMA_UNROLL];
    if constexpr (EARLY) {
        if (active && n0 < hidden) {
            const bf16* w0 = reinterpret_cast<const bf16*>(down_ptrs[e]) + (long long)(n0 + g) * inter + 8 * t;
            mma_load(first0, first1, w0, w0 + 8LL * inter, k_begin, k_end);
        }
        // every block waits (the grid wait: so that this grid completes after gate/up)
        if constexpr (FUSED) wait_group_done(group_done, group_target);
        else grid_dependency_sync();
        if (!active || n0 >= hidden) return;
    }
    const bf16* w0 = reinterpret_cast<const bf16*>(down_ptrs[e]) + (long long)(n0 + g) * inter + 8 * t;
    const bf16* w1 = w0 + 8LL * inter;
    for (int r0 = 0; r0 < count; r0 += 32) {
        const int rn = min(32, count - r0);
        const bf16* rows[4];
        pass_rows(rows, act, nullptr, start + r0, rn, inter, g, t);
        float c0[2][4] = {}, c1[2][4] = {};
        if (EARLY && r0 == 0) {
            mma_multiply<FUSED>(rows, rn, first0, first1, k_begin, k_end, c0, c1);
            mma_pass<FUSED>(rows, rn, w0, w1, k_begin + 32 * MMA_UNROLL, k_end, c0, c1);
        } else {
            mma_pass<FUSED>(rows, rn, w0, w1, k_begin, k_end, c0, c1);
        }
        if (KSPLIT > 1) {
            split_reduce(c0, c1, part, lane);
            if (part != 0) continue;
        }
#pragma unroll
        for (int m = 0; m < 2; m++) {
#pragma unroll
            for (int h = 0; h < 2; h++) {
                const int r = 16 * m + 8 * h + g;
                if (r < rn) {
                    bf16* out = y + (long long)(start + r0 + r) * hidden + n0 + 2 * t;
                    *reinterpret_cast<__nv_bfloat162*>(out) = __floats2bfloat162_rn(c0[m][2 * h], c0[m][2 * h + 1]);
                    *reinterpret_cast<__nv_bfloat162*>(out + 8) =
                            __floats2bfloat162_rn(c1[m][2 * h], c1[m][2 * h + 1]);
                }
            }
        }
    }
}

// expert_down_mma: warp w of block b owns features n0 = 64 b + 16 w .. n0 + 15 (two tiles) over the whole K;
// grid = (ceil(hidden / 64), groups). expert_down_mma_splitk: the block's warps share features 16 b .. 16 b + 15 and
// split K; grid = (ceil(hidden / 16), groups). block = 128. hidden % 16 == 0, inter % 32 == 0.
#define DOWN_MMA_ENTRY(NAME, KSPLIT)                                                                             \
    extern "C" __global__ void __launch_bounds__(MMA_WARPS * 32) NAME(                                           \
            const bf16* __restrict__ act, const unsigned long long* __restrict__ down_ptrs,                      \
            const int* __restrict__ group_expert, const int* __restrict__ group_start,                           \
            const int* __restrict__ group_count, const int* __restrict__ num_groups, int min_rows, int max_rows, \
            bf16* __restrict__ y, int inter, int hidden) {                                                       \
        grid_dependency_sync();                                                                                  \
        down_mma_body<KSPLIT>(act, down_ptrs, group_expert, group_start, group_count, num_groups, min_rows,      \
                              max_rows, y, inter, hidden, blockIdx.y, blockIdx.x);                               \
    }
DOWN_MMA_ENTRY(expert_down_mma, 1)
DOWN_MMA_ENTRY(expert_down_mma_splitk, MMA_WARPS)

// expert_down_mma_splitk with the table and the first weights read before the grid wait (EARLY above); same grid.
// The launch bounds keep it at 128 registers, 4 blocks per SM like the plain kernel (142 without them).
extern "C" __global__ void __launch_bounds__(MMA_WARPS * 32, 4) expert_down_mma_splitk_early(
        const bf16* __restrict__ act, const unsigned long long* __restrict__ down_ptrs,
        const int* __restrict__ group_expert, const int* __restrict__ group_start, const int* __restrict__ group_count,
        const int* __restrict__ num_groups, int min_rows, int max_rows, bf16* __restrict__ y, int inter, int hidden) {
    down_mma_body<MMA_WARPS, true>(act, down_ptrs, group_expert, group_start, group_count, num_groups, min_rows,
                                   max_rows, y, inter, hidden, blockIdx.y, blockIdx.x);
}

// ---- gate/up and down in one grid (decode steps of at most 8 tokens) ----
// expert_gate_up_mma_splitk and expert_down_mma_splitk_early as work items of one launch, so that the down items
// stream their first weights while the last gate/up items finish instead of after a grid boundary (at batch 1 the
// boundary plus down's start cost ~4 µs of the ~12 µs down step per layer; PERF-NOTES.md). Blocks take tickets in
// the order they start (atomicAdd on counters[0]): tickets below groups x gate_blocks are gate/up items (group
// ticket / gate_blocks, feature block ticket % gate_blocks), the rest down items. A gate/up item counts itself
// done on counters[2 + group] after its act writes (fence, then atomicAdd); a down item reads its table and first
// weights, then spins until its group's count reaches gate_blocks and reads act through L2. Every gate/up ticket
// is handed out before any down ticket, to a block that is already running and never waits, so the spins end
// whatever the scheduling order and grid size. The last block to finish (counters[1]) sets all counters back to
// zero for the next launch. counters: 2 + max_groups ints, zero before the first launch.
// Grid: groups x (gate_blocks + down_blocks), gate_blocks = inter / 8, down_blocks = hidden / 16; block = 128.
// The results are bit-identical to the two kernels'.
extern "C" __global__ void __launch_bounds__(MMA_WARPS * 32, 4) expert_mlp_mma_fused(
        const bf16* __restrict__ x, const int* __restrict__ row_token,
        const unsigned long long* __restrict__ gate_ptrs, const unsigned long long* __restrict__ up_ptrs,
        const unsigned long long* __restrict__ down_ptrs, const int* __restrict__ group_expert,
        const int* __restrict__ group_start, const int* __restrict__ group_count, const int* __restrict__ num_groups,
        int min_rows, int max_rows, bf16* __restrict__ act, bf16* __restrict__ y, int hidden, int inter, int groups,
        int* counters) {
    grid_dependency_sync();
    __shared__ int ticket;
    if (threadIdx.x == 0) ticket = atomicAdd(counters, 1);
    __syncthreads();
    const int gate_blocks = inter / 8, down_blocks = hidden / 16;
    const int item = ticket;
    if (item >= groups * (gate_blocks + down_blocks)) {
        // a grid larger than the work (the launcher sizes it exactly): nothing to do but count itself finished
    } else if (item < groups * gate_blocks) {
        const int group = item / gate_blocks;
        gate_up_mma_body<MMA_WARPS>(x, row_token, gate_ptrs, up_ptrs, group_expert, group_start, group_count,
                                    num_groups, min_rows, max_rows, act, hidden, inter, group, item % gate_blocks);
        // release: the barrier orders every warp's act stores before thread 0's fence, the fence before the count
        __syncthreads();
        if (threadIdx.x == 0) {
            __threadfence();
            atomicAdd(counters + 2 + group, 1);
        }
    } else {
        const int d = item - groups * gate_blocks;
        const int group = d / down_blocks;
        down_mma_body<MMA_WARPS, true, true>(act, down_ptrs, group_expert, group_start, group_count, num_groups,
                                             min_rows, max_rows, y, inter, hidden, group, d % down_blocks,
                                             counters + 2 + group, gate_blocks);
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        __threadfence();
        if (atomicAdd(counters + 1, 1) == (int)gridDim.x - 1) {
            __threadfence();  // every other block's counts happened before the resets
            for (int i = 0; i < 2 + groups; i++) counters[i] = 0;
            __threadfence();
        }
    }
}
