package io.moeplatform.inference.cuda;

import java.net.URISyntaxException;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A checkpoint under {@code golden/models/<case>} with transformers' fp32 logits for every position of prompt plus
 * greedy continuation (scripts/golden/make_goldens.py).
 */
record GoldenReference(String name, Path directory, int[] prompt, int[] greedy, float[][] logits) {

    static GoldenReference load(String name) {
        try {
            Path dir = Path.of(GoldenReference.class.getResource("/golden/models/" + name).toURI());
            JsonNode e = JsonMapper.builder().build().readTree(dir.resolve("expected.json").toFile());
            float[][] logits = new float[e.get("logits").size()][];
            for (int i = 0; i < logits.length; i++) {
                JsonNode row = e.get("logits").get(i);
                logits[i] = new float[row.size()];
                for (int j = 0; j < row.size(); j++) {
                    logits[i][j] = (float) row.get(j).asDouble();
                }
            }
            return new GoldenReference(name, dir, ints(e.get("prompt_ids")), ints(e.get("greedy_ids")), logits);
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("golden case " + name + " cannot be read", e);
        }
    }

    /** Prompt followed by the greedy continuation. */
    int[] allTokens() {
        int[] all = new int[prompt.length + greedy.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(greedy, 0, all, prompt.length, greedy.length);
        return all;
    }

    /** max |a - b| / max |reference|. */
    static double relativeError(float[] reference, float[] actual) {
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < reference.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(reference[i]));
            maxDiff = Math.max(maxDiff, Math.abs(reference[i] - actual[i]));
        }
        return maxDiff / maxRef;
    }

    /** Difference between the largest and the second largest value. */
    static double topMargin(float[] row) {
        int best = argmax(row);
        double second = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < row.length; i++) {
            if (i != best) {
                second = Math.max(second, row[i]);
            }
        }
        return row[best] - second;
    }

    static double maxAbs(float[] row) {
        double m = 0;
        for (float v : row) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static int argmax(float[] row) {
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
