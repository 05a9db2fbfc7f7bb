package io.moeplatform.deploy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Values that cannot work are refused when rendering (by values.schema.json or the chart's checks), with a message
 * that says what to change, instead of producing a release that fails on the cluster.
 */
class ChartValuesValidationTests {

    @Test
    void unknownDeviceIsRefusedByTheSchema() {
        assertRefused(Map.of("inference.device", "gpu"), "/inference/device");
    }

    @Test
    void bootstrapKeyShorterThanTheApplicationAcceptsIsRefused() {
        assertRefused(Map.of("credentials.apiKey", "too-short"), "/credentials/apiKey");
    }

    @Test
    void misspelledValueIsRefusedInsteadOfIgnored() {
        assertRefused(Map.of("gpu.cuont", 2), "cuont");
    }

    @Test
    void bundledDatabaseWithoutAPasswordIsRefused() {
        assertRefused(Map.of("bundledPostgresql.enabled", true), "bundledPostgresql.password");
    }

    @Test
    void serviceMonitorWithoutAScrapeTokenIsRefused() {
        assertRefused(Map.of("metrics.serviceMonitor.enabled", true), "credentials.metricsScrapeToken");
    }

    @Test
    void twoAutoscalersAreRefused() {
        assertRefused(Map.of("autoscaling.enabled", true, "keda.enabled", true, "persistence.existingClaim", "rwx"),
                "enable one of them");
    }

    @Test
    void severalReplicasOnAReadWriteOnceDataVolumeAreRefused() {
        assertRefused(Map.of("replicaCount", 3), "ReadWriteMany");
    }

    @Test
    void modelVolumeWithoutADirectoryIsRefused() {
        assertRefused(Map.of("model.volume.type", "hostPath", "model.volume.hostPath", "/srv/models"),
                "model.path");
    }

    @Test
    void downloadWithoutARepositoryIsRefused() {
        assertRefused(Map.of("model.volume.type", "emptyDir", "model.path", "m", "model.download.enabled", true),
                "model.download.repository");
    }

    private static void assertRefused(Map<String, Object> values, String messagePart) {
        assertThatThrownBy(() -> RenderedRelease.render(List.of(), values)).hasMessageContaining(messagePart);
    }
}
