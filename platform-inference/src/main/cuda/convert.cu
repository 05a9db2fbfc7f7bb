#include "common.cuh"

// out[i] = float(in[i]) for i in [0, n): widening bf16 -> fp32 is exact.
extern "C" __global__ void bf16_to_f32(const bf16* __restrict__ in, float* __restrict__ out, long long n) {
    grid_dependency_sync();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        out[i] = to_f32(in[i]);
}

// out[i] = bf16(in[i]) for i in [0, n), rounding to nearest even (NaN stays NaN, overflow goes to inf).
extern "C" __global__ void f32_to_bf16(const float* __restrict__ in, bf16* __restrict__ out, long long n) {
    grid_dependency_sync();
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        out[i] = to_bf16(in[i]);
}
