#include "moe_align.cuh"

// Groups a step's (token, choice) slots by expert (see moe_align.cuh). grid = 1, block = ALIGN_THREADS.
extern "C" __global__ void __launch_bounds__(ALIGN_THREADS)
moe_align(const int* __restrict__ topk_ids, const int* __restrict__ real_tokens, int top_k, int experts,
          int* __restrict__ row_token, int* __restrict__ slot_row, int* __restrict__ group_expert,
          int* __restrict__ group_start, int* __restrict__ group_count, int* __restrict__ num_groups,
          unsigned long long* __restrict__ touched) {
    grid_dependency_sync();
    align_slots(topk_ids, real_tokens, top_k, experts, row_token, slot_row, group_expert, group_start, group_count,
                num_groups, touched);
}

// ---- Dummy weights generated in place on the device ----
// The same values as the Java RandomWeights (a counter-based hash), so the CPU and CUDA backends load the same
// dummy model: for element i,
//   h = splitmix64(name_seed + i),  u = (h >> 40) * 2^-24  (uniform in [0, 1), 24 bits)
//   out[i] = bf16_rne(amplitude * (2u - 1))        or 1.0 for norms (ones != 0)
// Every float operation is exact except the product, which rounds once as in Java (no contraction).
__device__ __forceinline__ unsigned long long splitmix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

extern "C" __global__ void fill_random_bf16(bf16* __restrict__ out, long long n, unsigned long long name_seed,
                                            float amplitude, int ones) {
    grid_dependency_sync();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        float v = 1.0f;
        if (!ones) {
            const float u = (float)(splitmix64(name_seed + (unsigned long long)i) >> 40) * 0x1.0p-24f;
            v = __fmul_rn(amplitude, __fsub_rn(__fmul_rn(2.0f, u), 1.0f));
        }
        out[i] = to_bf16(v);
    }
}

// Padded copies for the batched expert GEMMs of large steps: G groups (experts) of counts[g] rows starting at layout
// row starts[g], each given max_rows rows so that one batched GEMM of equal shapes covers them all.
//   gather:  out[g * max_rows + i] = x[row_token[starts[g] + i]]   i < counts[g]; zeros for the padding rows
//   scatter: y[starts[g] + i] = ypad[g * max_rows + i]             i < counts[g]
// grid = (max_rows, G), block = 128; rows of width bf16 (width % 8 == 0: 16-byte pieces).
extern "C" __global__ void gather_padded_rows(const bf16* __restrict__ x, const int* __restrict__ row_token,
                                              const int* __restrict__ starts, const int* __restrict__ counts,
                                              bf16* __restrict__ out, int max_rows, int width) {
    grid_dependency_sync();
    const int g = blockIdx.y, i = blockIdx.x;
    uint4* o = reinterpret_cast<uint4*>(out + ((size_t)g * max_rows + i) * width);
    const int pieces = width / 8;
    if (i < counts[g]) {
        const uint4* src = reinterpret_cast<const uint4*>(x + (size_t)row_token[starts[g] + i] * width);
        for (int p = threadIdx.x; p < pieces; p += blockDim.x) o[p] = src[p];
    } else {
        for (int p = threadIdx.x; p < pieces; p += blockDim.x) o[p] = make_uint4(0, 0, 0, 0);
    }
}

extern "C" __global__ void scatter_padded_rows(const bf16* __restrict__ ypad, const int* __restrict__ starts,
                                               const int* __restrict__ counts, bf16* __restrict__ y, int max_rows,
                                               int width) {
    grid_dependency_sync();
    const int g = blockIdx.y, i = blockIdx.x;
    if (i >= counts[g]) return;
    const uint4* src = reinterpret_cast<const uint4*>(ypad + ((size_t)g * max_rows + i) * width);
    uint4* o = reinterpret_cast<uint4*>(y + ((size_t)starts[g] + i) * width);
    for (int p = threadIdx.x; p < width / 8; p += blockDim.x) o[p] = src[p];
}
