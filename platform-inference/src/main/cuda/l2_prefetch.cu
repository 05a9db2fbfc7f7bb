#include "common.cuh"

// Moves weights that a decode step reads next into L2 while latency-bound kernels run. At batch 1 the decode
// attention reads a few KB of K/V in ~7 µs and the router's top-k a few KB more: HBM sits idle while the o_proj
// (Qwen3-30B-A3B: 4096 x 2048 bf16, 16.8 MB) waits for them. Launched just before such a kernel, this one lets the
// next kernel start at once (launch_dependents first), asks the memory system for up to four byte ranges and then
// waits for its own predecessor like every kernel here (so the chain of grid waits stays transitive). With
// programmatic launch it is scheduled while its predecessor still runs, so the requests go out during that kernel.
//
// Each range [base, base + bytes) is cut into PREFETCH_PIECE-byte pieces dealt to the grid's threads in turn. sm_90
// issues one bulk prefetch per piece (cp.async.bulk.prefetch.L2: the SM's copy engine walks the lines and the
// thread goes on; base 16-byte aligned, size a multiple of 16, so ranges are trimmed inwards to 16 bytes), earlier
// GPUs one prefetch.global.L2 per 128-byte line. A hint only: nothing is written, results cannot change, and lines
// that L2 drops before they are read just come from HBM as before.

constexpr unsigned long long PREFETCH_PIECE = 16384;

__device__ __forceinline__ void prefetch_range(const char* base, unsigned long long bytes, long long thread,
                                               long long threads) {
    if (base == nullptr || bytes == 0) return;
    const unsigned long long start = ((unsigned long long)base + 15) & ~15ull;
    const unsigned long long end = ((unsigned long long)base + bytes) & ~15ull;
    if (end <= start) return;
    const unsigned long long pieces = (end - start + PREFETCH_PIECE - 1) / PREFETCH_PIECE;
    for (unsigned long long p = thread; p < pieces; p += threads) {
        const unsigned long long from = start + p * PREFETCH_PIECE;
        const unsigned long long size = end - from < PREFETCH_PIECE ? end - from : PREFETCH_PIECE;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
        asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;" ::"l"(from), "r"((unsigned)size) : "memory");
#else
        for (unsigned long long line = from & ~127ull; line < from + size; line += 128)
            asm volatile("prefetch.global.L2 [%0];" ::"l"(line));
#endif
    }
}

// Ranges (a, na) .. (d, nd) in bytes; null or 0 bytes for unused ones. Any grid of 1-D blocks. With
// after_predecessor != 0 the requests wait until the previous kernel has finished: launched between two
// weight-streaming kernels, a prefetch issued during the first one would have its lines evicted by that kernel's
// later loads before the consumer runs.
extern "C" __global__ void l2_prefetch(const char* a, unsigned long long na, const char* b, unsigned long long nb,
                                       const char* c, unsigned long long nc, const char* d, unsigned long long nd,
                                       int after_predecessor) {
    grid_dependency_release();  // the consumer may be scheduled now either way
    if (after_predecessor) grid_dependency_sync();
    const long long thread = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    const long long threads = (long long)gridDim.x * blockDim.x;
    prefetch_range(a, na, thread, threads);
    prefetch_range(b, nb, thread, threads);
    prefetch_range(c, nc, thread, threads);
    prefetch_range(d, nd, thread, threads);
    grid_dependency_sync();
}
