package io.moeplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A checkpoint under {@code golden/models/<case>} with transformers' fp32 reference
 * (scripts/golden/make_goldens.py): prompt, greedy continuation, and logits of all
 * positions of prompt + continuation.
 */
public record GoldenCase(String name, Path directory, int[] prompt, int[] greedy, float[][] logits) {

    public static GoldenCase load(String name) {
        return loadResource("/golden/models/" + name, name);
    }

    /** A case whose expected.json lies in the test resource directory {@code resource}. */
    public static GoldenCase loadResource(String resource, String name) {
        try {
            Path dir = Path.of(GoldenCase.class.getResource(resource).toURI());
            JsonNode e = JsonMapper.builder().build().readTree(dir.resolve("expected.json").toFile());
            float[][] logits = new float[e.get("logits").size()][];
            for (int i = 0; i < logits.length; i++) {
                JsonNode row = e.get("logits").get(i);
                logits[i] = new float[row.size()];
                for (int j = 0; j < row.size(); j++) {
                    logits[i][j] = (float) row.get(j).asDouble();
                }
            }
            return new GoldenCase(name, dir, ints(e.get("prompt_ids")), ints(e.get("greedy_ids")), logits);
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("golden case " + name + " cannot be read", e);
        }
    }

    /**
     * Prefills the prompt as sequence {@code sequenceId} over {@code blocks}, then decodes the greedy continuation one
     * token per step: every logits row must match the reference and every argmax the greedy token.
     */
    public void assertPrefillThenGreedyDecode(ModelExecutor executor, long sequenceId, int[] blocks) {
        int p = prompt.length;
        float[] row = step(executor, new SequenceSlice(sequenceId, prompt, 0, blocks, true, null));
        assertLogits(p - 1, row);
        for (int i = 0; i < greedy.length; i++) {
            assertThat(argmax(row)).as("greedy token %d", i).isEqualTo(greedy[i]);
            if (i + 1 < greedy.length) {
                row = step(executor, new SequenceSlice(sequenceId, new int[]{greedy[i]}, p + i, blocks, true, null));
                assertLogits(p + i, row);
            }
        }
    }

    /** The logits row of a one-slice step. */
    public static float[] step(ModelExecutor executor, SequenceSlice slice) {
        StepResult r = executor.forward(new StepBatch(List.of(slice)));
        assertThat(r.logits()).hasNumberOfRows(1);
        return r.logits()[0];
    }

    /** Prompt followed by the greedy continuation. */
    public int[] allTokens() {
        int[] all = new int[prompt.length + greedy.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(greedy, 0, all, prompt.length, greedy.length);
        return all;
    }

    /** max |actual - reference| <= 1e-4 * max |reference| over the row of {@code position}. */
    public void assertLogits(int position, float[] actual) {
        assertClose(logits[position], actual, 1e-4, name + " position " + position);
    }

    public static void assertClose(float[] reference, float[] actual, double relative, String what) {
        assertThat(actual).as(what).hasSize(reference.length);
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < reference.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(reference[i]));
            maxDiff = Math.max(maxDiff, Math.abs(reference[i] - actual[i]));
        }
        assertThat(maxDiff).as(what + ": max abs diff vs max abs reference " + maxRef).isLessThanOrEqualTo(
                relative * maxRef);
    }

    public static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int[] ints(JsonNode n) {
        int[] a = new int[n.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = n.get(i).asInt();
        }
        return a;
    }

}
