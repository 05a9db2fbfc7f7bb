package io.moeplatform.api.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.PlatformTest;
import io.moeplatform.core.metering.Outcome;
import io.moeplatform.core.metering.UsageQueryService;
import io.moeplatform.core.metering.UsageRecord;
import java.util.Iterator;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(classes = PlatformApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ClientDisconnectIntegrationTests extends PlatformTest {

    private static final int MAX_TOKENS = 3000;

    @Autowired
    UsageQueryService usage;

    @Test
    void clientThatLeavesMidStreamCancelsAndIsBilledForWhatWasGenerated() throws InterruptedException {
        var tenant = tenant(UNLIMITED);
        var response = api.postStreaming("/v1/completions", tenant.key(), """
                {"model":"moe-demo","prompt":"Tell me a very long story","max_tokens":%d,"stream":true,"seed":7}"""
                .formatted(MAX_TOKENS));
        assertThat(response.statusCode()).isEqualTo(200);
        String id;
        int received = 0;
        try (var lines = response.body()) {
            Iterator<String> it = lines.iterator();
            String first = it.next();
            id = first.substring(first.indexOf("\"id\":\"") + 6, first.indexOf("\",\""));
            for (String line : (Iterable<String>) () -> it) {
                if (line.startsWith("data: ")) {
                    received++;
                }
                if (received == 10) {
                    break;
                }
            }
        }
        assertThat(received).as("the demo model stopped early; pick a longer prompt").isEqualTo(10);

        Optional<UsageRecord> record = Optional.empty();
        for (int i = 0; i < 300 && record.isEmpty(); i++) {
            Thread.sleep(100);
            record = usage.find(tenant.id(), id);
        }
        assertThat(record).as("usage row of %s", id).isPresent();
        assertThat(record.get().outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(record.get().completionTokens()).isGreaterThanOrEqualTo(10).isLessThan(MAX_TOKENS);
        assertThat(record.get().streamed()).isTrue();
    }
}
