#include "common.cuh"

// Embedding gather: out[t, :] = table[ids[t], :]
//   table [vocab, hidden] bf16, ids [tokens] int32, out [tokens, hidden] bf16; grid = tokens, any block size.
// An id outside [0, vocab) yields a row of NaN instead of a read outside the table, so the fault shows downstream.
extern "C" __global__ void embedding_gather(const bf16* __restrict__ table, const int* __restrict__ ids,
                                            bf16* __restrict__ out, int hidden, int vocab) {
    grid_dependency_sync();
    const int t = blockIdx.x;
    const int id = ids[t];
    bf16* dst = out + (long long)t * hidden;
    if (id < 0 || id >= vocab) {
        for (int i = threadIdx.x; i < hidden; i += blockDim.x) dst[i] = to_bf16(__int_as_float(0x7fc00000));
        return;
    }
    const bf16* src = table + (long long)id * hidden;
    if ((hidden & 7) == 0) {  // 16-byte moves: 8 bf16 at a time (rows are 16-byte aligned when hidden % 8 == 0)
        const uint4* s = reinterpret_cast<const uint4*>(src);
        uint4* d = reinterpret_cast<uint4*>(dst);
        for (int i = threadIdx.x; i < hidden / 8; i += blockDim.x) d[i] = s[i];
    } else {
        for (int i = threadIdx.x; i < hidden; i += blockDim.x) dst[i] = src[i];
    }
}
