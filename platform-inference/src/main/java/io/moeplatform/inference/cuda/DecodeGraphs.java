package io.moeplatform.inference.cuda;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * CUDA graphs of decode steps, one per (padded batch size, block-table stride). A decode step of a 48-layer MoE
 * launches about a thousand kernels; replaying them as one graph costs ~1 µs per kernel instead of ~5 µs per launch
 * from Java. A key's first step runs eagerly (it allocates scratch memory and lets cuBLAS pick its kernels), its
 * second is captured, every later one replays. Batches are padded up to a bucket so that a handful of graphs serve
 * every batch size. Kernel arguments are frozen in a graph, so everything a step varies (token ids, positions, KV
 * slots, block tables, the number of real tokens) lives in device memory that the host rewrites before the replay.
 */
final class DecodeGraphs implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DecodeGraphs.class.getName());
    /** Padded batch sizes of captured decode steps. */
    static final int[] BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256};

    /** What a step does with its graph. */
    enum Mode {
        /** launch every kernel (first step of a key, prefill, or graphs off) */
        EAGER,
        /** record the kernels into a new graph, launch it at the end of the step */
        CAPTURE,
        /** skip the kernels, launch the recorded graph */
        REPLAY
    }

    record Key(int tokens, int tableStride) {}

    private final Map<Key, CudaGraph> graphs = new HashMap<>();
    private final Set<Key> warmed = new HashSet<>();
    private @Nullable String disabledBecause;

    DecodeGraphs(boolean enabled) {
        if (!enabled) {
            disabledBecause = "switched off (moe.cuda.graphs=false)";
        }
    }

    /** The smallest bucket holding {@code tokens} tokens and at most {@code maxTokens}, or -1. */
    static int bucket(int tokens, int maxTokens) {
        for (int b : BUCKETS) {
            if (b >= tokens) {
                return b <= maxTokens ? b : -1;
            }
        }
        return -1;
    }

    boolean enabled() {
        return disabledBecause == null;
    }

    /** What the next step of {@code key} does; counts the step as the key's warm-up when it runs eagerly. */
    Mode modeFor(Key key) {
        if (disabledBecause != null) {
            return Mode.EAGER;
        }
        if (graphs.containsKey(key)) {
            return Mode.REPLAY;
        }
        return warmed.add(key) ? Mode.EAGER : Mode.CAPTURE;
    }

    @Nullable
    CudaGraph graph(Key key) {
        return graphs.get(key);
    }

    void put(Key key, CudaGraph graph) {
        CudaGraph old = graphs.put(key, graph);
        if (old != null) {
            old.close();
        }
    }

    /** Forgets every graph (their kernels point at memory that was just freed or moved). */
    void invalidate() {
        graphs.values().forEach(CudaGraph::close);
        graphs.clear();
        warmed.clear();
    }

    /** Runs every later step eagerly, and says why in the log. */
    void disable(String why) {
        invalidate();
        disabledBecause = why;
        LOG.log(System.Logger.Level.WARNING, "CUDA graphs disabled, decode steps run eagerly: {0}", why);
    }

    int size() {
        return graphs.size();
    }

    @Override
    public void close() {
        invalidate();
    }
}
