package io.moeplatform.api.openai.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.ApiClient;
import io.moeplatform.api.testing.PlatformTest;
import io.moeplatform.core.tenant.TenantPlan;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(classes = PlatformApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ModelsIntegrationTests extends PlatformTest {

    @Test
    void listsTheServedModelForATenantWithoutModelRestrictions() {
        var tenant = tenant(UNLIMITED);
        var list = ApiClient.json(api.get("/v1/models", tenant.key()).body());
        assertThat(list.get("object").asString()).isEqualTo("list");
        assertThat(list.get("data")).hasSize(1);
        assertThat(list.get("data").get(0).get("id").asString()).isEqualTo(MODEL);
        assertThat(api.get("/v1/models/" + MODEL, tenant.key()).statusCode()).isEqualTo(200);
    }

    @Test
    void hidesModelsOutsideTheTenantsPlan() {
        var tenant = tenant(new TenantPlan(0, 0, 0, 0, 0, Set.of("other-model"), 1));
        var list = ApiClient.json(api.get("/v1/models", tenant.key()).body());
        assertThat(list.get("data")).isEmpty();
        var one = api.get("/v1/models/" + MODEL, tenant.key());
        assertThat(one.statusCode()).isEqualTo(404);
        assertThat(ApiClient.json(one.body()).get("error").get("code").asString()).isEqualTo("model_not_found");
    }
}
