package io.moeplatform.inference.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.engine.EngineOptions;
import io.moeplatform.inference.engine.InferenceEngine;
import io.moeplatform.inference.engine.LocalInferenceEngine;
import java.nio.file.Path;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Starts the inference engine of the model named by {@link InferenceProperties} (or the demo model) and reports its
 * health. Every bean backs off when the application defines its own.
 */
@AutoConfiguration
@EnableConfigurationProperties({InferenceProperties.class, LoraProperties.class})
public final class InferenceAutoConfiguration {

    /** {@code platform.data-dir}: shared with the rest of the platform, so not part of {@link InferenceProperties}. */
    static final String DATA_DIR_PROPERTY = "platform.data-dir";
    static final String DEFAULT_DATA_DIR = "./data";

    /**
     * The engine, unless the application serves inference itself; then no options are resolved either, so no demo
     * model is written.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(InferenceService.class)
    static final class EngineConfiguration {

        @Bean
        @ConditionalOnMissingBean
        EngineOptions inferenceEngineOptions(InferenceProperties properties, Environment environment) {
            Path dataDir = Path.of(environment.getProperty(DATA_DIR_PROPERTY, DEFAULT_DATA_DIR));
            return properties.toEngineOptions(dataDir);
        }

        /** Loads the model and starts the engine loop; closing the context cancels whatever is in flight. */
        @Bean(destroyMethod = "close")
        InferenceEngine inferenceEngine(EngineOptions options, LoraProperties lora,
                ObjectProvider<MeterRegistry> meterRegistry) {
            return LocalInferenceEngine.start(options, lora.toOptions(),
                    meterRegistry.getIfAvailable(SimpleMeterRegistry::new));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static final class InferenceHealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "inferenceHealthIndicator")
        @ConditionalOnEnabledHealthIndicator("inference")
        InferenceHealthIndicator inferenceHealthIndicator(InferenceService inference) {
            return new InferenceHealthIndicator(inference);
        }
    }
}
