package io.moeplatform.inference.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times the pieces a decode step is made of, on device 0: kernel launch overhead (direct and inside a CUDA graph),
 * device-to-device copy bandwidth (the memory roofline), bf16 GEMMs through cuBLAS and paged decode attention. Each
 * number is the median of event-timed repetitions after a warm-up, on random (never zero) data. Run:
 * {@code java --enable-native-access=ALL-UNNAMED -cp <classes> io.moeplatform.inference.cuda.CudaMicroBenchmark}
 */
public final class CudaMicroBenchmark {

    private final CudaContext context;
    private final CudaStream stream;
    private final MoeKernels kernels;
    private final DeviceArena arena;
    private final SplittableRandom random = new SplittableRandom(42);

    private CudaMicroBenchmark(CudaContext context) {
        this.context = context;
        this.stream = context.newStream();
        this.kernels = MoeKernels.load(context);
        this.arena = context.newArena();
    }

    public static void main(String[] args) {
        if (!CudaAvailability.isAvailable()) {
            System.out.println("CUDA unavailable: " + CudaAvailability.unavailabilityCause().getMessage());
            System.exit(2);
        }
        try (CudaContext context = CudaContext.open(0)) {
            System.out.println("device: " + context.info());
            var bench = new CudaMicroBenchmark(context);
            try {
                String shapes = System.getProperty("micro.attention", "");
                if (!shapes.isBlank()) { // -Dmicro.attention=SEQSxLEN,...: only decode attention, Qwen3's heads
                    for (String shape : shapes.split(",")) {
                        String[] sl = shape.trim().split("x");
                        bench.attention(Integer.parseInt(sl[0]), 32, 4, 128, 16, Integer.parseInt(sl[1]),
                                new int[]{0, 64});
                    }
                    return;
                }
                bench.launchOverhead();
                bench.copyBandwidth();
                bench.memoryBoundKernels();
                bench.gemm(2048, 2048, 2048);
                bench.gemm(8192, 8192, 8192);
                bench.gemm(64, 2048, 2048); // a decode-batch-sized projection: bound by reading the weight
                bench.attention(64, 32, 4, 128, 16, 2048, new int[]{0, 512, 256});
                bench.attention(8, 32, 4, 128, 16, 8192, new int[]{0, 1024, 512, 256});
                bench.attention(1, 32, 4, 128, 16, 4096, new int[]{0, 512, 256, 128});
                bench.attention(64, 16, 16, 128, 16, 2048, new int[]{0, 512}); // OLMoE-like: no grouping
            } finally {
                bench.close();
            }
        }
    }

    private void launchOverhead() {
        DeviceBuffer in = arena.allocate(256);
        DeviceBuffer out = arena.allocate(256);
        in.fill((byte) 0x3f);
        int launches = 10_000;
        for (int i = 0; i < 1000; i++) {
            kernels.f32ToBf16(in, out, 1, stream);
        }
        stream.synchronize();
        long t0 = System.nanoTime();
        for (int i = 0; i < launches; i++) {
            kernels.f32ToBf16(in, out, 1, stream);
        }
        stream.synchronize();
        double direct = (System.nanoTime() - t0) / 1e3 / launches;

        int perGraph = 1000;
        stream.beginCapture();
        for (int i = 0; i < perGraph; i++) {
            kernels.f32ToBf16(in, out, 1, stream);
        }
        try (CudaGraph graph = stream.endCapture()) {
            graph.launch(stream);
            stream.synchronize();
            double ms = medianMillis(10, () -> graph.launch(stream));
            System.out.printf("launch overhead: %.2f us per direct launch (host clock, %d launches); "
                    + "%.2f us per kernel inside a %d-kernel graph%n", direct, launches, ms * 1e3 / perGraph,
                    perGraph);
        }
    }

    private void copyBandwidth() {
        long bytes = 1L << 30;
        DeviceBuffer src = arena.allocate(bytes);
        DeviceBuffer dst = arena.allocate(bytes);
        src.fill((byte) 0x5a);
        double ms = medianMillis(20, () -> dst.copyFromAsync(src, stream));
        System.out.printf("device copy 1 GiB: %.3f ms, %.0f GB/s (read + write)%n", ms, 2.0 * bytes / ms / 1e6);
        src.close();
        dst.close();
    }

    /** Bandwidth of the memory-bound kernels at prefill-like sizes (bytes: each input read once, output written). */
    private void memoryBoundKernels() {
        int tokens = 8192;
        int hidden = 4096;
        DeviceBuffer x = randomBf16((long) tokens * hidden);
        DeviceBuffer residual = randomBf16((long) tokens * hidden);
        DeviceBuffer weight = randomBf16(hidden);
        DeviceBuffer out = arena.allocate((long) tokens * hidden * 2);
        double rowBytes = (double) tokens * hidden * 2;
        double ms = medianMillis(50,
                () -> kernels.rmsNorm(x, residual, weight, out, tokens, hidden, 1e-6f, stream));
        System.out.printf("rmsnorm+residual %dx%d: %.4f ms, %.0f GB/s (x, residual read; residual, out written)%n",
                tokens, hidden, ms, 4 * rowBytes / ms / 1e6);
        ms = medianMillis(50, () -> kernels.rmsNorm(x, null, weight, out, tokens, hidden, 1e-6f, stream));
        System.out.printf("rmsnorm %dx%d: %.4f ms, %.0f GB/s%n", tokens, hidden, ms, 2 * rowBytes / ms / 1e6);
        int inter = hidden / 2;
        ms = medianMillis(50, () -> kernels.siluMul(x, out, tokens, inter, stream));
        System.out.printf("silu*mul %dx%d: %.4f ms, %.0f GB/s%n", tokens, inter, ms, 1.5 * rowBytes / ms / 1e6);
        DeviceBuffer f32 = arena.allocate((long) tokens * hidden * 4);
        ms = medianMillis(50, () -> kernels.bf16ToF32(x, f32, (long) tokens * hidden, stream));
        System.out.printf("bf16->f32 %d elements: %.4f ms, %.0f GB/s%n", tokens * hidden, ms, 3 * rowBytes / ms / 1e6);
        int experts = 128;
        DeviceBuffer ids = arena.allocate(tokens * 8L * 4);
        DeviceBuffer weights = arena.allocate(tokens * 8L * 4);
        ms = medianMillis(50, () -> kernels.moeRouter(f32, ids, weights, tokens, experts, 8, true, stream));
        System.out.printf("router %d tokens x %d experts top-8: %.4f ms%n", tokens, experts, ms);
        ms = medianMillis(50, () -> kernels.argmax(f32, ids, 64, 151_936, stream));
        System.out.printf("argmax 64 x 151936: %.4f ms, %.0f GB/s%n", ms, 64.0 * 151_936 * 4 / ms / 1e6);
        for (DeviceBuffer b : new DeviceBuffer[]{x, residual, weight, out, f32, ids, weights}) {
            b.close();
        }
    }

    private void gemm(int m, int n, int k) {
        try (CublasHandle cublas = CublasHandle.create(context, stream)) {
            DeviceBuffer x = randomBf16((long) m * k);
            DeviceBuffer w = randomBf16((long) n * k);
            DeviceBuffer y = arena.allocate((long) m * n * 2);
            double ms = medianMillis(50, () -> cublas.linear(x, w, y, m, n, k, false));
            double flops = 2.0 * m * n * k;
            double bytes = 2.0 * ((long) m * k + (long) n * k + (long) m * n);
            System.out.printf("gemm bf16 %dx%dx%d (y = x w^T, fp32 accumulate): %.4f ms, %.1f TFLOP/s, %.0f GB/s%n",
                    m, n, k, ms, flops / ms / 1e9, bytes / ms / 1e6);
            x.close();
            w.close();
            y.close();
        }
    }

    /** partitionSizes: 0 means one partition per sequence (no split-K). */
    private void attention(int seqs, int qHeads, int kvHeads, int headDim, int blockSize, int seqLen,
            int[] partitionSizes) {
        int blocksPerSeq = (seqLen + blockSize - 1) / blockSize;
        int numBlocks = seqs * blocksPerSeq;
        long cacheElems = (long) numBlocks * blockSize * kvHeads * headDim;
        DeviceBuffer k = randomBf16(cacheElems);
        DeviceBuffer v = randomBf16(cacheElems);
        DeviceBuffer q = randomBf16((long) seqs * qHeads * headDim);
        DeviceBuffer out = arena.allocate((long) seqs * qHeads * headDim * 2);
        int[] table = new int[numBlocks];
        for (int i = 0; i < numBlocks; i++) {
            table[i] = i;
        }
        for (int i = numBlocks - 1; i > 0; i--) { // scattered blocks, as a running server's pool would hand out
            int j = random.nextInt(i + 1);
            int t = table[i];
            table[i] = table[j];
            table[j] = t;
        }
        int[] lens = new int[seqs];
        Arrays.fill(lens, seqLen);
        DeviceBuffer tables = ints(table);
        DeviceBuffer lengths = ints(lens);
        var shape = new PagedAttentionShape(seqs, qHeads, kvHeads, headDim, blockSize, blocksPerSeq,
                (long) qHeads * headDim, (float) (1 / Math.sqrt(headDim)));
        double kvBytes = 2.0 * seqs * seqLen * kvHeads * headDim * 2;
        for (DecodeAttentionKernel kernel : DecodeAttentionKernel.values()) {
            for (int partitionSize : partitionSizes) {
                int size = partitionSize == 0 ? seqLen : partitionSize;
                int partitions = shape.partitions(seqLen, size);
                DeviceBuffer scratch = partitions > 1 ? arena.allocate(shape.scratchBytes(partitions)) : null;
                double ms = medianMillis(50, () -> kernels.pagedAttention(shape, q, k, v, tables, lengths, out,
                        partitions, size, scratch, null, stream, kernel));
                System.out.printf("paged attention %s seqs=%d len=%d heads=%d/%d dim=%d block=%d partitions=%d: "
                        + "%.4f ms, %.0f GB/s of KV%n", kernel, seqs, seqLen, qHeads,
                        kvHeads, headDim, blockSize, partitions, ms, kvBytes / ms / 1e6);
                if (scratch != null) {
                    scratch.close();
                }
            }
        }
        k.close();
        v.close();
    }

    private DeviceBuffer randomBf16(long n) {
        DeviceBuffer b = arena.allocate(n * 2);
        long chunk = 1 << 24;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(JAVA_SHORT, Math.min(n, chunk));
            for (long done = 0; done < n; done += chunk) {
                long len = Math.min(chunk, n - done);
                for (long i = 0; i < len; i++) {
                    // sign random, exponent 2^-8 .. 2^-1, mantissa random: nonzero values of moderate size
                    int r = random.nextInt();
                    int bits = (r & 0x8000) | ((119 + ((r >>> 16) & 7)) << 7) | (r & 0x7f);
                    host.setAtIndex(JAVA_SHORT, i, (short) bits);
                }
                CudaDriver.get().copyHostToDevice(b.address() + done * 2, host, len * 2);
            }
        }
        return b;
    }

    private DeviceBuffer ints(int[] values) {
        DeviceBuffer b = arena.allocate(values.length * 4L);
        try (Arena a = Arena.ofConfined()) {
            b.copyFromHost(a.allocateFrom(JAVA_INT, values));
        }
        return b;
    }

    /** Median over {@code reps} event-timed runs of {@code work}, after 5 warm-up runs. */
    private double medianMillis(int reps, Runnable work) {
        for (int i = 0; i < 5; i++) {
            work.run();
        }
        stream.synchronize();
        double[] ms = new double[reps];
        try (CudaEvent start = context.newEvent(); CudaEvent end = context.newEvent()) {
            for (int i = 0; i < reps; i++) {
                start.record(stream);
                work.run();
                end.record(stream);
                end.synchronize();
                ms[i] = end.elapsedMillisSince(start);
            }
        }
        Arrays.sort(ms);
        return ms[reps / 2];
    }

    private void close() {
        arena.close();
        kernels.close();
        stream.close();
    }
}
