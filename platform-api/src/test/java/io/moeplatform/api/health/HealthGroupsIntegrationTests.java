package io.moeplatform.api.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.PlatformTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The probe groups the Helm chart points Kubernetes at: readiness needs the model loaded and the database, liveness
 * needs neither (a database outage must take replicas out of the Service, not restart them all).
 */
@SpringBootTest(classes = PlatformApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HealthGroupsIntegrationTests extends PlatformTest {

    @Autowired
    HealthEndpointGroups groups;

    @Test
    void readinessWaitsForTheModelAndTheDatabase() {
        var readiness = groups.get("readiness");
        assertThat(readiness.isMember("inference")).isTrue();
        assertThat(readiness.isMember("db")).isTrue();
        assertThat(readiness.isMember("readinessState")).isTrue();
        assertThat(api.get("/actuator/health/readiness", null).statusCode()).isEqualTo(200);
    }

    @Test
    void livenessDependsOnNothingOutsideTheProcess() {
        var liveness = groups.get("liveness");
        assertThat(liveness.isMember("livenessState")).isTrue();
        assertThat(liveness.isMember("db")).isFalse();
        assertThat(liveness.isMember("inference")).isFalse();
        assertThat(api.get("/actuator/health/liveness", null).statusCode()).isEqualTo(200);
    }
}
