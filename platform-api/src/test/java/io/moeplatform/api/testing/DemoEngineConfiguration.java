package io.moeplatform.api.testing;

import io.micrometer.core.instrument.MeterRegistry;
import io.moeplatform.inference.cpu.CpuExecutorOptions;
import io.moeplatform.inference.cpu.CpuModelExecutor;
import io.moeplatform.inference.engine.Device;
import io.moeplatform.inference.engine.EngineOptions;
import io.moeplatform.inference.engine.LocalInferenceEngine;
import io.moeplatform.inference.engine.ServedModel;
import io.moeplatform.inference.model.DemoModel;
import io.moeplatform.inference.sampling.SampledToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The real engine ({@link LocalInferenceEngine}, CPU executor, the demo qwen3_moe checkpoint) for API tests. Only
 * the tokenizer and the sampler are test stand-ins, until the text and sampling branches (tokenizer.json loader,
 * product samplers, InferenceAutoConfiguration) are merged.
 */
@TestConfiguration(proxyBeanMethods = false)
public class DemoEngineConfiguration {

    public static final String MODEL = "moe-demo";

    @Bean(destroyMethod = "close")
    LocalInferenceEngine demoEngine(MeterRegistry registry) throws IOException {
        Path directory = Files.createTempDirectory("moe-demo-");
        DemoModel.writeModelFiles(directory);
        CpuModelExecutor executor = CpuModelExecutor.open(directory, new CpuExecutorOptions(1, 16, 0, 256, false));
        var tokenizer = new ByteTokenizer(executor.vocabularySize());
        var model = new ServedModel(MODEL, executor, tokenizer, new ChatMlCodec(tokenizer, executor.contextLength()),
                new HashSet<>(executor.generationConfig().eosTokenIds()));
        var options = new EngineOptions(directory, MODEL, Device.CPU, 1, 16, 0, 256, 4, 4, Duration.ofSeconds(30),
                true, false);
        return new LocalInferenceEngine(model, (params, seed) -> (logits, history) -> greedy(logits,
                params.topLogprobs()), options, registry);
    }

    /** Argmax with log-softmax log-probabilities and the k most likely alternatives. */
    static SampledToken greedy(float[] logits, int top) {
        int best = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] > max) {
                max = logits[i];
                best = i;
            }
        }
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit - max);
        }
        double logSum = max + Math.log(sum);
        var order = java.util.stream.IntStream.range(0, logits.length).boxed()
                .sorted((a, b) -> Float.compare(logits[b], logits[a])).limit(top).toList();
        int[] ids = order.stream().mapToInt(Integer::intValue).toArray();
        float[] values = new float[ids.length];
        for (int k = 0; k < ids.length; k++) {
            values[k] = (float) (logits[ids[k]] - logSum);
        }
        return new SampledToken(best, (float) (logits[best] - logSum), ids, values);
    }

}
