// Shared by the tensor-core attention kernels (paged_attention_gqa.cu, prefill_attention.cu).
#pragma once
#include "common.cuh"

// The K and V registers of one 16-token (key) step, lane = 4g + t, head size D = 32C = 64U:
//   ka, kb  elements 32c + 8t .. + 7 of the K rows of tokens g and g + 8 (the permuted k order of mma_k32)
//   v0, v1, v8, v9  dims 64u + 8g .. + 7 of the V rows of tokens 2t, 2t + 1, 2t + 8, 2t + 9 (paired by byte permutes
//   into mma operands that hold two tokens per register)
// sa, sb: this lane's slots (tokens g, g + 8); the V rows' slots come from lanes 8t and 8t + 4, which hold tokens 2t
// (+ 8) and 2t + 1 (+ 8). kh, vh: the caches at this kv head; stride: elements per slot. All loads are issued
// before any is used.
template <int C, int U>
struct KvStep {
    uint4 ka[C], kb[C], v0[U], v1[U], v8[U], v9[U];

    // Word w (dims 2w, 2w + 1 of the 8) of the V rows of tokens 2t, 2t + 1 (tokens 2t + 8, 2t + 9 with `upper`), paired
    // into one mma operand register by __byte_perm selector sel (0x5410: the first dim of both, 0x7632: the second).
    __device__ __forceinline__ unsigned v_pair(int u, int w, bool upper, unsigned sel) const {
        const uint4& a = upper ? v8[u] : v0[u];
        const uint4& b = upper ? v9[u] : v1[u];
        return __byte_perm(reinterpret_cast<const unsigned*>(&a)[w], reinterpret_cast<const unsigned*>(&b)[w], sel);
    }

    __device__ __forceinline__ void load(const bf16* kh, const bf16* vh, long long stride, int sa, int sb, int g,
                                         int t) {
        const int s0 = __shfl_sync(0xffffffffu, sa, 8 * t), s1 = __shfl_sync(0xffffffffu, sa, 8 * t + 4);
        const int s8 = __shfl_sync(0xffffffffu, sb, 8 * t), s9 = __shfl_sync(0xffffffffu, sb, 8 * t + 4);
#pragma unroll
        for (int c = 0; c < C; c++) {
            ka[c] = __ldg(reinterpret_cast<const uint4*>(kh + sa * stride + 32 * c + 8 * t));
            kb[c] = __ldg(reinterpret_cast<const uint4*>(kh + sb * stride + 32 * c + 8 * t));
        }
#pragma unroll
        for (int u = 0; u < U; u++) {
            const int d = 64 * u + 8 * g;
            v0[u] = __ldg(reinterpret_cast<const uint4*>(vh + s0 * stride + d));
            v1[u] = __ldg(reinterpret_cast<const uint4*>(vh + s1 * stride + d));
            v8[u] = __ldg(reinterpret_cast<const uint4*>(vh + s8 * stride + d));
            v9[u] = __ldg(reinterpret_cast<const uint4*>(vh + s9 * stride + d));
        }
    }
};
