package io.moeplatform.inference.cuda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a step's device time goes, by operation: an event is recorded on the stream after each operation's kernels,
 * and the time between consecutive events is charged to that operation. Eager steps only (the backend switches CUDA
 * graphs off while profiling), so the numbers include any gap in which the device waited for the host to launch.
 * Benchmarks only ({@code -Dmoe.cuda.profile=true}).
 */
final class StepProfiler implements AutoCloseable {

    private final CudaContext context;
    private final List<CudaEvent> events = new ArrayList<>();
    private final List<String> labels = new ArrayList<>();
    private final Map<String, double[]> totals = new LinkedHashMap<>();
    private int recorded;
    private int steps;

    StepProfiler(CudaContext context) {
        this.context = context;
    }

    /** Starts a step's timeline. */
    void begin(CudaStream stream) {
        recorded = 0;
        labels.clear();
        event().record(stream);
    }

    /** Charges the device time since the previous mark to {@code label}. */
    void mark(String label, CudaStream stream) {
        if (recorded == 0) {
            return;
        }
        labels.add(label);
        event().record(stream);
    }

    /** Waits for the step's last event and adds its intervals to the totals. */
    void collect() {
        if (recorded < 2) {
            return;
        }
        events.get(recorded - 1).synchronize();
        for (int i = 1; i < recorded; i++) {
            double ms = events.get(i).elapsedMillisSince(events.get(i - 1));
            double[] t = totals.computeIfAbsent(labels.get(i - 1), k -> new double[2]);
            t[0] += ms;
            t[1]++;
        }
        steps++;
        recorded = 0;
    }

    /** Per operation: ms per step, calls per step, share; then forgets the totals. */
    String takeReport() {
        double all = totals.values().stream().mapToDouble(t -> t[0]).sum();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "profile over %d steps: %.3f ms/step%n",
                steps, all / Math.max(1, steps)));
        totals.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue()[0], x.getValue()[0]))
                .forEach(e -> b.append(String.format(Locale.ROOT, "  %-28s %8.3f ms/step %6.1f calls/step %5.1f%%%n",
                        e.getKey(), e.getValue()[0] / Math.max(1, steps), e.getValue()[1] / Math.max(1, steps),
                        100 * e.getValue()[0] / all)));
        totals.clear();
        steps = 0;
        return b.toString();
    }

    private CudaEvent event() {
        if (recorded == events.size()) {
            events.add(context.newEvent());
        }
        return events.get(recorded++);
    }

    @Override
    public void close() {
        events.forEach(CudaEvent::close);
    }
}
