package io.moeplatform.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moeplatform.inference.model.ExpertRouting;
import io.moeplatform.inference.model.ExpertRouting.Method;
import io.moeplatform.inference.model.ExpertRouting.Scoring;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code deepseek_route} against a double-precision reference written from {@link ExpertRouting}'s definition, for
 * every scoring, method and shape the DeepSeek configs use (V2-Lite: 64 experts greedy; V2: 160 experts in 8 groups;
 * V3: 256 experts, sigmoid, noaux_tc with the correction bias, 8 groups of which 4 are kept). Logits are spread far
 * enough apart that fp32 and double pick the same experts.
 */
@Tag("gpu")
class DeepSeekRoutingGpuTests {

    static GpuFixture gpu;
    static DeepSeekKernels kernels;

    @BeforeAll
    static void open() {
        gpu = new GpuFixture();
        kernels = new DeepSeekKernels(gpu.context);
    }

    @AfterAll
    static void close() {
        if (kernels != null) {
            kernels.close();
        }
        if (gpu != null) {
            gpu.close();
        }
    }

    @ParameterizedTest
    @CsvSource({"SOFTMAX, GREEDY, 64, 1, 1, 6, false, 1.0", "SOFTMAX, GROUP_LIMITED_GREEDY, 160, 8, 3, 6, false, 16.0",
            "SIGMOID, NOAUX_TC, 256, 8, 4, 8, true, 2.5", "SIGMOID, NOAUX_TC, 8, 4, 2, 3, true, 1.0",
            "SOFTMAX, GROUP_LIMITED_GREEDY, 8, 4, 2, 3, true, 1.0"})
    void choosesTheExpertsAndWeightsOfTheDefinition(Scoring scoring, Method method, int experts, int groups,
            int topKGroups, int topK, boolean normalize, float scaling) {
        ExpertRouting routing = new ExpertRouting(scoring, method, groups, topKGroups, topK, normalize, scaling);
        int tokens = 37;
        // distinct logits per token (a shuffled ladder plus noise), so no two experts tie
        float[] logits = new float[tokens * experts];
        for (int t = 0; t < tokens; t++) {
            int[] order = shuffled(experts);
            for (int e = 0; e < experts; e++) {
                logits[t * experts + e] = (float) (order[e] * 4.0 / experts - 2.0 + gpu.random.nextGaussian() * 0.01);
            }
        }
        float[] bias = new float[experts];
        for (int e = 0; e < experts; e++) {
            bias[e] = method == Method.NOAUX_TC ? (float) (gpu.random.nextGaussian() * 0.3) : 0f;
        }
        DeviceBuffer ids = gpu.poisoned((long) tokens * topK * 4);
        DeviceBuffer weights = gpu.poisoned((long) tokens * topK * 4);
        kernels.route(gpu.f32(logits), method == Method.NOAUX_TC ? gpu.f32(bias) : null, ids, weights, routing,
                experts, tokens, gpu.stream);
        int[] gotIds = gpu.readI32(ids, tokens * topK);
        float[] gotWeights = gpu.readF32(weights, tokens * topK);
        for (int t = 0; t < tokens; t++) {
            int[] refIds = new int[topK];
            double[] refWeights = new double[topK];
            reference(Arrays.copyOfRange(logits, t * experts, (t + 1) * experts), bias, routing, refIds, refWeights);
            String what = routing + " token " + t + gpu.seedNote();
            assertArrayEquals(refIds, Arrays.copyOfRange(gotIds, t * topK, (t + 1) * topK), what);
            for (int j = 0; j < topK; j++) {
                assertEquals(refWeights[j], gotWeights[t * topK + j], 1e-5 * Math.max(1, Math.abs(refWeights[j])),
                        what);
            }
        }
    }

    /** ExpertRouting's definition in double precision. */
    private static void reference(float[] logits, float[] bias, ExpertRouting r, int[] ids, double[] weights) {
        int n = logits.length;
        double[] s = new double[n];
        if (r.scoring() == Scoring.SIGMOID) {
            for (int e = 0; e < n; e++) {
                s[e] = 1 / (1 + Math.exp(-logits[e]));
            }
        } else {
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l);
            }
            double sum = 0;
            for (int e = 0; e < n; e++) {
                s[e] = Math.exp(logits[e] - max);
                sum += s[e];
            }
            for (int e = 0; e < n; e++) {
                s[e] /= sum;
            }
        }
        double[] c = new double[n];
        for (int e = 0; e < n; e++) {
            c[e] = s[e] + (r.method() == Method.NOAUX_TC ? bias[e] : 0);
        }
        if (r.method() != Method.GREEDY) {
            int size = n / r.groups();
            double[] groupScore = new double[r.groups()];
            for (int g = 0; g < r.groups(); g++) {
                double[] members = Arrays.copyOfRange(c, g * size, (g + 1) * size);
                Arrays.sort(members);
                groupScore[g] = r.method() == Method.NOAUX_TC
                        ? members[size - 1] + members[size - 2]
                        : members[size - 1];
            }
            boolean[] kept = new boolean[r.groups()];
            for (int j = 0; j < r.topKGroups(); j++) {
                int best = -1;
                for (int g = 0; g < r.groups(); g++) {
                    if (!kept[g] && (best < 0 || groupScore[g] > groupScore[best])) {
                        best = g;
                    }
                }
                kept[best] = true;
            }
            for (int e = 0; e < n; e++) {
                if (!kept[e / size]) {
                    c[e] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        double total = 0;
        for (int j = 0; j < r.topK(); j++) {
            int best = -1;
            for (int e = 0; e < n; e++) {
                if (!Double.isNaN(c[e]) && (best < 0 || c[e] > c[best])) {
                    best = e;
                }
            }
            ids[j] = best;
            weights[j] = s[best];
            total += s[best];
            c[best] = Double.NaN;
        }
        for (int j = 0; j < r.topK(); j++) {
            weights[j] = weights[j] / (r.normalize() ? total + 1e-20 : 1) * r.scalingFactor();
        }
    }

    private static int[] shuffled(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = gpu.random.nextInt(i + 1);
            int tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
        return a;
    }
}
