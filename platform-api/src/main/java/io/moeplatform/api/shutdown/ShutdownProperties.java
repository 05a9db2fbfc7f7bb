package io.moeplatform.api.shutdown;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code platform.shutdown.*}.
 *
 * @param drainTimeout longest wait, once shutdown begins, for the generations in flight to finish; what is still
 *        running after it is cancelled (and billed for what was generated). Kubernetes'
 *        {@code terminationGracePeriodSeconds} must be longer (the Helm chart derives it from this value).
 * @param pollInterval how often the engine's status is read while draining
 */
@ConfigurationProperties("platform.shutdown")
public record ShutdownProperties(@DefaultValue("30s") Duration drainTimeout,
        @DefaultValue("100ms") Duration pollInterval) {}
