package io.moeplatform.api.testing;

import io.micrometer.core.instrument.MeterRegistry;
import io.moeplatform.inference.cpu.CpuExecutorOptions;
import io.moeplatform.inference.cpu.CpuModelExecutor;
import io.moeplatform.inference.engine.Device;
import io.moeplatform.inference.engine.EngineOptions;
import io.moeplatform.inference.engine.LocalInferenceEngine;
import io.moeplatform.inference.engine.ServedModel;
import io.moeplatform.inference.model.DemoModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The real engine ({@link LocalInferenceEngine} with the product samplers, CPU executor, the demo qwen3_moe
 * checkpoint) for API tests; InferenceAutoConfiguration backs off for this bean. Two parts are stand-ins:
 * {@code LocalInferenceEngine.start} cannot load a directory yet, and the demo's tokenizer.json (265 tokens) does not
 * cover the demo model's 512-token vocabulary, so generated ids above 264 fail detokenization in the engine; the
 * {@link ByteTokenizer} covers every id. The engine is small on purpose (4 running, 4 queued) so that an overload
 * is reachable from a test.
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
        return new LocalInferenceEngine(model, options, registry);
    }
}
