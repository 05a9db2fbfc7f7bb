package io.moeplatform.api.adapters;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.servlet.filter.OrderedFormContentFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Knowledge-graph and LoRA uploads are raw request bodies. {@code curl --data-binary @graph.csv} sends them as
 * {@code application/x-www-form-urlencoded} unless told otherwise, and Spring's form-content filter would then
 * consume a PUT body as form fields before the controller sees it; this replaces that filter with one that leaves
 * uploads alone (a graph's format comes from {@code ?format=} or the Content-Type; a LoRA upload is a zip).
 */
@Configuration(proxyBeanMethods = false)
class GraphUploadConfiguration {

    @Bean
    OrderedFormContentFilter formContentFilter() {
        return new OrderedFormContentFilter() {
            @Override
            protected boolean shouldNotFilter(HttpServletRequest request) {
                String uri = request.getRequestURI();
                return uri.startsWith("/v1/adapters/") && (uri.endsWith("/graph") || uri.endsWith("/lora"));
            }
        };
    }
}
