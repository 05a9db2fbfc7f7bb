package io.moeplatform.api.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Access to {@code /actuator/prometheus}.
 *
 * @param scrapeToken the secret a scraper presents as a bearer token or as the basic-auth password; empty
 *     disables the endpoint (every scrape gets 401)
 */
@ConfigurationProperties("platform.metrics")
record MetricsProperties(@DefaultValue("") String scrapeToken) {}
