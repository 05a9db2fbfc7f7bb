package io.moeplatform.inference.cuda;

import java.util.Locale;

/**
 * Splits replayed decode steps into device time of the graph, device time of the logits tail (gather, final norm,
 * lm_head, argmax) and host time between steps, with events around the graph launch; prints the means to standard
 * error every {@link #WINDOW} replays. Benchmarks only ({@code -Dmoe.cuda.graphTiming=true}): the extra events and
 * the wait on the last one cost a few microseconds per step.
 */
final class GraphStepTimer implements AutoCloseable {

    private static final int WINDOW = 64;

    private final CudaEvent graphStart;
    private final CudaEvent graphEnd;
    private final CudaEvent logitsEnd;
    private boolean armed;
    private int tokens;
    private long launchNanos;
    private long lastEndNanos;
    private int samples;
    private double graphMillis;
    private double logitsMillis;
    private double hostMillis;
    private double wallMillis;

    GraphStepTimer(CudaContext context) {
        graphStart = context.newEvent();
        graphEnd = context.newEvent();
        logitsEnd = context.newEvent();
    }

    /** Around the graph launch of a replayed step of {@code tokens} rows. */
    void beforeGraph(CudaStream stream, int tokens) {
        this.tokens = tokens;
        launchNanos = System.nanoTime();
        graphStart.record(stream);
        armed = true;
    }

    void afterGraph(CudaStream stream) {
        graphEnd.record(stream);
    }

    /** After the step's logits work was queued: waits for it and adds the step to the window. */
    void afterLogits(CudaStream stream) {
        if (!armed) {
            return;
        }
        armed = false;
        logitsEnd.record(stream);
        logitsEnd.synchronize();
        long now = System.nanoTime();
        if (lastEndNanos != 0) {
            graphMillis += graphEnd.elapsedMillisSince(graphStart);
            logitsMillis += logitsEnd.elapsedMillisSince(graphEnd);
            hostMillis += (launchNanos - lastEndNanos) / 1e6;
            wallMillis += (now - lastEndNanos) / 1e6;
            if (++samples == WINDOW) {
                System.err.printf(Locale.ROOT, "[cuda graph timing] %d rows, mean of %d replays: step %.3f ms = "
                        + "graph %.3f + logits %.3f (device) + host before launch %.3f + rest %.3f%n", tokens,
                        samples, wallMillis / samples, graphMillis / samples, logitsMillis / samples,
                        hostMillis / samples, (wallMillis - graphMillis - logitsMillis - hostMillis) / samples);
                samples = 0;
                graphMillis = logitsMillis = hostMillis = wallMillis = 0;
            }
        }
        lastEndNanos = now;
    }

    @Override
    public void close() {
        graphStart.close();
        graphEnd.close();
        logitsEnd.close();
    }
}
