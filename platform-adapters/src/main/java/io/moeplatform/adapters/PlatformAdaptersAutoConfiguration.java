package io.moeplatform.adapters;

import io.moeplatform.adapters.kg.KnowledgeGraphProperties;
import io.moeplatform.adapters.lora.LoraAdapterProperties;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationExcludeFilter;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;

/**
 * Wires the adapter services (catalog, knowledge-graph import, indexes, LoRA registry and engine binding,
 * resolution) into the application, after platform core whose tables, audit log and clock they use. Their schema is
 * the Flyway migrations {@code V2__adapters.sql} and {@code V3__lora_adapters.sql}, shipped with core's migrations.
 */
@AutoConfiguration(afterName = "io.moeplatform.core.PlatformCoreAutoConfiguration")
@ComponentScan(basePackages = "io.moeplatform.adapters", excludeFilters = @ComponentScan.Filter(type = FilterType.CUSTOM, classes = AutoConfigurationExcludeFilter.class))
@EnableConfigurationProperties({KnowledgeGraphProperties.class, LoraAdapterProperties.class})
public class PlatformAdaptersAutoConfiguration {}
