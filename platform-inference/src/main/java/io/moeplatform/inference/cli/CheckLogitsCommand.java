package io.moeplatform.inference.cli;

import io.moeplatform.inference.engine.Device;
import io.moeplatform.inference.engine.EngineOptions;
import io.moeplatform.inference.engine.ExecutorSelection;
import io.moeplatform.inference.model.DecoderModelExecutor;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code check-logits --model DIR --reference DIR [--device auto|cpu|cuda] [--min-agreement 0.99]}: the engine's
 * logits against a reference implementation's on the same checkpoint (e.g. transformers in bf16 on the GPU host,
 * {@code scripts/bench/hf_logits.py}).
 *
 * <p>
 * The reference directory holds {@code reference.json} ({@code tokens}: T token ids, {@code prefill}: P,
 * {@code vocab}: V) and {@code logits.f32}: little-endian fp32 {@code [T, V]}, the reference's logits at every
 * position. The engine prefills the first P tokens in one step (logits at position P-1), then decodes the rest one
 * token per step, so positions {@code P-1 .. T-2} are compared: prefill and paged decode attention both. Per
 * position: whether the argmax agrees, and the relative error {@code max|ours - ref| / max|ref|}. Random weights
 * give many near-ties, where two bf16 implementations may pick different tokens without either being wrong, so the
 * agreement is also reported over the decisive positions: those whose reference top-2 margin exceeds
 * {@value #DECISIVE_MARGIN} of {@code max|ref|} (twice the 2% a bf16 forward pass may be off). Prints one JSON
 * object; fails (exit status 1) when the top-1 agreement over all positions is below {@code --min-agreement}.
 */
final class CheckLogitsCommand {

    static final String NAME = "check-logits";
    private static final Set<String> VALUED = Set.of("model", "reference", "device", "min-agreement");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final double DECISIVE_MARGIN = 0.04;

    private CheckLogitsCommand() {}

    static void run(List<String> args, PrintStream out, PrintStream err) {
        CliOptions options = CliOptions.parse(NAME, args, VALUED, Set.of());
        String model = options.value("model");
        String reference = options.value("reference");
        if (model == null || reference == null) {
            throw new CliUsageException(NAME + ": --model DIR and --reference DIR are required");
        }
        double minAgreement = options.doubleValue("min-agreement", 0.99);
        Path referenceDir = Path.of(reference);
        JsonNode meta = readJson(referenceDir.resolve("reference.json"));
        int[] tokens = JSON.convertValue(meta.get("tokens"), int[].class);
        int prefill = meta.get("prefill").asInt();
        int vocab = meta.get("vocab").asInt();
        if (prefill < 1 || prefill >= tokens.length) {
            throw new CliUsageException(NAME + ": reference.json needs 1 <= prefill < " + tokens.length);
        }
        Path dir = Path.of(model).toAbsolutePath().normalize();
        int blockSize = 16;
        int blocks = (tokens.length + blockSize - 1) / blockSize;
        EngineOptions engineOptions = new EngineOptions(dir, "check", EngineCli.device(options, Device.AUTO), 0,
                blockSize, 0, Math.max(prefill, 256), 1, 1, Duration.ofMinutes(1), false, false);
        try (Arena arena = Arena.ofConfined();
                FileChannel channel = FileChannel.open(referenceDir.resolve("logits.f32"), StandardOpenOption.READ)) {
            MemorySegment logits = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            if (logits.byteSize() != (long) tokens.length * vocab * 4) {
                throw new CliUsageException(NAME + ": logits.f32 has " + logits.byteSize() + " bytes, expected "
                        + tokens.length + " x " + vocab + " fp32");
            }
            ExecutorSelection.Selected selected = ExecutorSelection.open(engineOptions,
                    ExecutorSelection.CudaSupport.standard());
            try (DecoderModelExecutor executor = selected.executor()) {
                if (executor.vocabularySize() != vocab) {
                    throw new CliUsageException(NAME + ": the model has " + executor.vocabularySize()
                            + " logits per token, the reference " + vocab);
                }
                int[] table = new int[Math.max(blocks, 1)];
                for (int i = 0; i < table.length; i++) {
                    table[i] = i;
                }
                Comparison comparison = new Comparison();
                float[] row = executor.forward(new StepBatch(List.of(new SequenceSlice(1,
                        java.util.Arrays.copyOf(tokens, prefill), 0, table, true, null)))).logits()[0];
                comparison.add(row, referenceRow(logits, prefill - 1, vocab));
                for (int p = prefill; p + 1 < tokens.length; p++) {
                    row = executor.forward(new StepBatch(List.of(new SequenceSlice(1, new int[]{tokens[p]}, p,
                            table, true, null)))).logits()[0];
                    comparison.add(row, referenceRow(logits, p, vocab));
                }
                Map<String, Object> report = new LinkedHashMap<>();
                report.put("model", dir.toString());
                report.put("backend", executor.backend());
                report.put("positions", comparison.positions);
                report.put("top1Agreement", comparison.agreement());
                report.put("maxRelativeError", comparison.maxRelative);
                report.put("meanRelativeError", comparison.sumRelative / comparison.positions);
                report.put("decisivePositions", comparison.decisive);
                report.put("decisiveTop1Agreement", comparison.decisiveAgreement());
                err.printf(Locale.ROOT, "%s on %s: %d positions, top-1 agreement %.2f%% (%.2f%% of %d decisive "
                        + "positions), relative error mean %.4f, max %.4f%n", dir.getFileName(), executor.backend(),
                        comparison.positions, 100 * comparison.agreement(), 100 * comparison.decisiveAgreement(),
                        comparison.decisive, comparison.sumRelative / comparison.positions, comparison.maxRelative);
                out.println(JSON.writeValueAsString(report));
                if (comparison.agreement() < minAgreement) {
                    throw new CheckFailedException(String.format(Locale.ROOT,
                            "top-1 agreement %.4f is below --min-agreement %.4f", comparison.agreement(),
                            minAgreement));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the reference in " + referenceDir, e);
        }
    }

    /** The engine ran, and its logits disagree with the reference more than allowed. */
    static final class CheckFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CheckFailedException(String message) {
            super(message);
        }
    }

    private static float[] referenceRow(MemorySegment logits, int position, int vocab) {
        return logits.asSlice((long) position * vocab * 4, (long) vocab * 4)
                .toArray(ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CliUsageException(NAME + ": " + file + " does not exist");
        }
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    /** Running top-1 agreement and relative errors. */
    private static final class Comparison {
        int positions;
        int agree;
        int decisive;
        int decisiveAgree;
        double maxRelative;
        double sumRelative;

        void add(float[] ours, float[] reference) {
            double maxRef = 0;
            double maxDiff = 0;
            int best = 0;
            int bestRef = 0;
            for (int i = 0; i < reference.length; i++) {
                maxRef = Math.max(maxRef, Math.abs(reference[i]));
                maxDiff = Math.max(maxDiff, Math.abs(ours[i] - reference[i]));
                best = ours[i] > ours[best] ? i : best;
                bestRef = reference[i] > reference[bestRef] ? i : bestRef;
            }
            double relative = maxRef == 0 ? maxDiff : maxDiff / maxRef;
            float second = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < reference.length; i++) {
                if (i != bestRef) {
                    second = Math.max(second, reference[i]);
                }
            }
            positions++;
            agree += best == bestRef ? 1 : 0;
            if (reference[bestRef] - second > DECISIVE_MARGIN * maxRef) {
                decisive++;
                decisiveAgree += best == bestRef ? 1 : 0;
            }
            maxRelative = Math.max(maxRelative, relative);
            sumRelative += relative;
        }

        double agreement() {
            return positions == 0 ? 0 : (double) agree / positions;
        }

        double decisiveAgreement() {
            return decisive == 0 ? 1 : (double) decisiveAgree / decisive;
        }
    }
}
