// Shared helpers for the MoE kernels. Every kernel is extern "C" so that Java finds it by its plain name
// through cuModuleGetFunction. bf16 tensors are __nv_bfloat16 (raw 16-bit words on the Java side).
#pragma once
#include <cuda_bf16.h>
#include <stdint.h>

typedef __nv_bfloat16 bf16;

// Programmatic dependent launch (sm_90+). The backend launches every kernel with programmatic stream serialization,
// so a kernel may be scheduled while the previous one in the stream is still running. Every kernel therefore calls
// this first: griddepcontrol.wait blocks until the previous grid has completed and its writes are visible (which
// makes the chain transitive: that grid waited for its own predecessor), then launch_dependents lets the next kernel
// be scheduled onto free SMs during this one, hiding its launch latency (a few µs, about the whole run time of a
// batch-1 decode kernel). Before sm_90, and for launches without the attribute, both are no-ops.
__device__ __forceinline__ void grid_dependency_sync() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

// launch_dependents alone, for a kernel that reads nothing another kernel wrote (l2_prefetch) and lets its successor
// start at once; it must still call grid_dependency_sync() before it ends, to keep the chain of waits transitive.
__device__ __forceinline__ void grid_dependency_release() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

__device__ __forceinline__ float to_f32(bf16 v) { return __bfloat162float(v); }
__device__ __forceinline__ bf16 to_bf16(float v) { return __float2bfloat16_rn(v); }
// Rounds through bf16 and back: used where the reference (HF transformers) stores an intermediate in bf16.
__device__ __forceinline__ float round_bf16(float v) { return __bfloat162float(__float2bfloat16_rn(v)); }

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Reads DL contiguous bf16 values as fp32: one (2*DL)-byte load when DL is a power of two (p must then be 2*DL-byte
// aligned), DL 2-byte loads otherwise.
template <int DL>
__device__ __forceinline__ void load_bf16s(const bf16* p, float (&out)[DL]) {
    if constexpr ((DL & (DL - 1)) == 0) {
        struct alignas(2 * DL) Row { bf16 v[DL]; };
        const Row r = *reinterpret_cast<const Row*>(p);
#pragma unroll
        for (int j = 0; j < DL; j++) out[j] = to_f32(r.v[j]);
    } else {
#pragma unroll
        for (int j = 0; j < DL; j++) out[j] = to_f32(p[j]);
    }
}

// Values per thread of a row-wide RMSNorm (rmsnorm, qk_rownorm_rope): rows of up to 8 x the block's threads.
#define RMS_MAX_PER_THREAD 8

// Sum over the whole block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
__device__ __forceinline__ float block_sum(float v) {
    __shared__ float partial[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads();  // partial[] may still be read by a previous call
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    v = lane < warps ? partial[lane] : 0.0f;
    return warp_sum(v);
}

// Arg-max pair reduction: larger value wins, the lower index wins ties (deterministic, like a first-max scan).
__device__ __forceinline__ void better(float& v, int& i, float ov, int oi) {
    if (ov > v || (ov == v && oi < i)) { v = ov; i = oi; }
}

__device__ __forceinline__ void warp_argmax(float& v, int& i) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(0xffffffffu, v, o);
        int oi = __shfl_xor_sync(0xffffffffu, i, o);
        better(v, i, ov, oi);
    }
}

// d += A (16 x 16) * B (16 x 8) on tensor cores (sm_80+), bf16 in, fp32 accumulate: a0..a3 and b0, b1 as
// mma.sync.m16n8k16 lays them out (lane = 4g + t: a0 = A[g][2t, 2t+1], a1 = A[g+8][2t, 2t+1], a2 = A[g][2t+8, 2t+9],
// a3 = A[g+8][2t+8, 2t+9]; b0 = B[2t, 2t+1][g], b1 = B[2t+8, 2t+9][g]; d0, d1 = D[g][2t, 2t+1], d2, d3 = D[g+8][..]).
__device__ __forceinline__ void mma16816(float (&d)[4], unsigned a0, unsigned a1, unsigned a2, unsigned a3,
                                         unsigned b0, unsigned b1) {
    asm volatile(
            "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
            "{%0, %1, %2, %3};"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
            : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// Both mmas of one 32-wide k step in the permuted k order of expert_mma.cu: lane (g, t) holds elements
// k0 + 8t .. k0 + 8t + 7 of A rows g (lo) and g + 8 (hi) and of B column g (b).
__device__ __forceinline__ void mma_k32(float (&d)[4], const uint4& lo, const uint4& hi, const uint4& b) {
    mma16816(d, lo.x, hi.x, lo.y, hi.y, b.x, b.y);
    mma16816(d, lo.z, hi.z, lo.w, hi.w, b.z, b.w);
}
