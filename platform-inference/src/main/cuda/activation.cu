#include "common.cuh"

// SwiGLU gate: out[t, j] = silu(g) * u  with  g = gate_up[t, j], u = gate_up[t, inter + j], silu(g) = g / (1 + e^-g)
//   gate_up [rows, 2 * inter] bf16 (the fused gate|up projection output), out [rows, inter] bf16.
// fp32 math, one rounding. Grid-stride over rows * inter elements.
extern "C" __global__ void silu_mul(const bf16* __restrict__ gate_up, bf16* __restrict__ out, int inter,
                                    long long rows) {
    grid_dependency_sync();
    const long long n = rows * inter;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
        const long long r = e / inter;
        const int j = (int)(e - r * inter);
        const float g = to_f32(gate_up[r * 2 * inter + j]);
        const float u = to_f32(gate_up[r * 2 * inter + inter + j]);
        out[e] = to_bf16(g / (1.0f + __expf(-g)) * u);
    }
}
