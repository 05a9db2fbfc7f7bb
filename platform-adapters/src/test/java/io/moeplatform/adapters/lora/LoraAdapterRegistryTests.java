package io.moeplatform.adapters.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.adapters.catalog.AdapterCatalog;
import io.moeplatform.adapters.catalog.AdapterException;
import io.moeplatform.adapters.catalog.AdapterException.Reason;
import io.moeplatform.adapters.catalog.AdapterKind;
import io.moeplatform.adapters.catalog.AdapterView;
import io.moeplatform.adapters.catalog.NewAdapter;
import io.moeplatform.adapters.resolve.AdapterResolver;
import io.moeplatform.adapters.testing.AdaptersTestContext;
import io.moeplatform.adapters.testing.DemoLoraAdapter;
import io.moeplatform.adapters.testing.Generations;
import io.moeplatform.core.testing.PostgresTestSchema;
import io.moeplatform.inference.GenerationEvent;
import io.moeplatform.inference.InferenceService;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The LoRA registry on PostgreSQL and the real engine on the demo model, with two application instances ("replicas")
 * sharing the database and the data directory: what one stores, the other applies; bad uploads store nothing.
 */
class LoraAdapterRegistryTests {

    @RegisterExtension
    static final PostgresTestSchema db = new PostgresTestSchema();
    static final String MODEL = "moe-demo";
    static final String PROMPT = "Tell me about the bank's credit cards.";

    static Path dataDir;
    static ConfigurableApplicationContext replicaA;
    static ConfigurableApplicationContext replicaB;

    @BeforeAll
    static void start() throws IOException {
        dataDir = Files.createTempDirectory("lora-registry-tests");
        String[] properties = {"platform.data-dir=" + dataDir, "platform.inference.threads=1",
                "platform.inference.max-running-sequences=4"};
        replicaA = AdaptersTestContext.start(db, properties);
        replicaB = AdaptersTestContext.start(db, Stream.concat(Stream.of(properties),
                Stream.of("platform.adapters.lora.max-upload-size=64KB")).toArray(String[]::new));
    }

    @AfterAll
    static void stop() {
        replicaB.close();
        replicaA.close();
    }

    private static <T> T bean(ConfigurableApplicationContext replica, Class<T> type) {
        return replica.getBean(type);
    }

    private static LoraAdapterRegistry registry(ConfigurableApplicationContext replica) {
        return bean(replica, LoraAdapterRegistry.class);
    }

    private static UUID tenantWithLoraAdapter(String name) {
        UUID tenant = AdaptersTestContext.tenant(replicaA);
        bean(replicaA, AdapterCatalog.class).create(tenant, new NewAdapter(name, AdapterKind.LORA, null, true), "t");
        return tenant;
    }

    private static LoraVersion upload(ConfigurableApplicationContext replica, UUID tenant, String name, byte[] zip) {
        return registry(replica).upload(tenant, name, null, new ByteArrayInputStream(zip), "test");
    }

    /** The engine adapter id the replica's resolver gives a request naming the adapter. */
    private static String resolve(ConfigurableApplicationContext replica, UUID tenant, String name) {
        var resolver = bean(replica, AdapterResolver.class);
        AdapterView adapter = resolver.select(tenant, MODEL, name).orElseThrow();
        var codec = bean(replica, InferenceService.class).codec(MODEL);
        String id = resolver.resolve(adapter, MODEL, List.of(PROMPT), codec).loraAdapterId();
        assertThat(id).isNotNull();
        return id;
    }

    /** Greedy tokens of the chat prompt on the replica's engine, with the adapter id or none. */
    static List<Integer> greedy(ConfigurableApplicationContext replica, @Nullable String loraAdapterId)
            throws Exception {
        return Generations.greedyChat(bean(replica, InferenceService.class), MODEL, PROMPT, 12, loraAdapterId)
                .stream().map(GenerationEvent.Token::tokenId).toList();
    }

    private static int rows(UUID adapterId) {
        return bean(replicaA, JdbcClient.class).sql("SELECT COUNT(*) FROM lora_adapter WHERE adapter_id = ?")
                .param(adapterId).query(Integer.class).single();
    }

    private static Path adapterDirectory(UUID tenant, UUID adapterId) {
        return bean(replicaA, LoraFiles.class).adapterDirectory(tenant, adapterId);
    }

    @Test
    void uploadOnOneReplicaIsAppliedOnTheOther() throws Exception {
        UUID tenant = tenantWithLoraAdapter("legal");
        byte[] zip = DemoLoraAdapter.attention(4, 7).zip();
        LoraVersion stored = upload(replicaA, tenant, "legal", zip);

        assertThat(stored.version()).isEqualTo(1);
        assertThat(stored.baseModel()).isEqualTo(MODEL);
        assertThat(stored.rank()).isEqualTo(4);
        assertThat(stored.alpha()).isEqualTo(8.0);
        assertThat(stored.targetModules()).containsExactly("q_proj", "k_proj", "v_proj", "o_proj");
        assertThat(stored.adaptedProjections()).isEqualTo(16);
        Path directory = registry(replicaA).directory(tenant, stored);
        assertThat(directory).isEqualTo(dataDir.resolve("adapters/lora").resolve(tenant.toString())
                .resolve(stored.adapterId().toString()).resolve("1").toAbsolutePath());
        byte[] weights = Files.readAllBytes(directory.resolve("adapter_model.safetensors"));
        assertThat(stored.weightsSha256())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(weights)));
        assertThat(stored.sizeBytes()).isEqualTo(weights.length + Files.size(directory.resolve("adapter_config.json")));
        assertThat(registry(replicaB).current(tenant, "legal")).contains(stored);

        // replica B never saw the upload: it registers the stored files on first use
        String idOnB = resolve(replicaB, tenant, "legal");
        assertThat(idOnB).isEqualTo(stored.adapterId() + "-v1");
        String idOnA = resolve(replicaA, tenant, "legal");
        List<Integer> adaptedOnB = greedy(replicaB, idOnB);
        assertThat(adaptedOnB).isEqualTo(greedy(replicaA, idOnA)).isNotEqualTo(greedy(replicaB, null));

        // and the same as the engine given the directory directly
        var inference = bean(replicaB, InferenceService.class);
        inference.registerLoraAdapter(MODEL, "direct", DemoLoraAdapter.attention(4, 7)
                .writeTo(Files.createTempDirectory(dataDir, "direct")));
        assertThat(adaptedOnB).isEqualTo(greedy(replicaB, "direct"));
    }

    @Test
    void invalidUploadsAreRefusedNamingTheFaultAndStoreNothing() {
        UUID tenant = tenantWithLoraAdapter("broken");
        UUID adapterId = bean(replicaA, AdapterCatalog.class).get(tenant, "broken").id();
        var tooHighRank = DemoLoraAdapter.attention(4, 1).withConfig(DemoLoraAdapter.config(4).replace("\"r\": 4",
                "\"r\": 128"));
        var wrongShape = DemoLoraAdapter.attention(4, 1).tensor(
                "base_model.model.model.layers.2.self_attn.k_proj.lora_B.weight", new long[]{256, 4},
                new SplittableRandom(1), 0.1f);
        var experts = DemoLoraAdapter.attention(4, 1).withConfig(DemoLoraAdapter.config(4).replace("}",
                ", \"target_parameters\": [\"mlp.experts.gate_up_proj\"]}"));
        var configOnly = new LinkedHashMap<String, byte[]>();
        configOnly.put("adapter_config.json", DemoLoraAdapter.config(4).getBytes());
        record Case(byte[] upload, String param, String message) {}
        List<Case> cases = List.of(new Case(tooHighRank.zip(), "r", "r is 128 but this engine accepts ranks up to 64"),
                new Case(wrongShape.zip(), "base_model.model.model.layers.2.self_attn.k_proj.lora_B.weight",
                        "has shape [256, 4] but the served model needs [128, 4]"),
                new Case(experts.zip(), "target_parameters", "routed expert weights"),
                new Case(DemoLoraAdapter.zip(configOnly), "adapter_model.safetensors",
                        "The zip holds no adapter_model.safetensors"),
                new Case("not a zip".getBytes(), "file", "not a readable zip archive"),
                new Case(new byte[0], "file", "not a readable zip archive"));
        for (Case c : cases) {
            assertThatThrownBy(() -> upload(replicaA, tenant, "broken", c.upload()))
                    .isInstanceOfSatisfying(AdapterException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.INVALID);
                        assertThat(e.param()).isEqualTo(c.param());
                        assertThat(e.getMessage()).contains(c.message());
                    });
        }
        assertThat(rows(adapterId)).isZero();
        assertThat(adapterDirectory(tenant, adapterId)).doesNotExist();
        assertThat(dataDir.resolve("adapters/lora/.staging")).isEmptyDirectory();
        assertThatThrownBy(() -> resolve(replicaA, tenant, "broken")).isInstanceOfSatisfying(AdapterException.class,
                e -> assertThat(e.getMessage()).contains("has no weights yet"));
    }

    @Test
    void uploadsAboveTheLimitAreRefusedAndStoreNothing() {
        UUID tenant = tenantWithLoraAdapter("big");
        UUID adapterId = bean(replicaA, AdapterCatalog.class).get(tenant, "big").id();
        byte[] zip = DemoLoraAdapter.attention(8, 3).zip(); // ~230 KB > 64 KB on replica B
        assertThatThrownBy(() -> upload(replicaB, tenant, "big", zip))
                .isInstanceOf(LoraUploadTooLargeException.class).hasMessageContaining("65536 bytes");
        assertThat(rows(adapterId)).isZero();
        assertThat(adapterDirectory(tenant, adapterId)).doesNotExist();
    }

    @Test
    void reuploadServesTheNewVersionEverywhereAndKeepsOnlyThePrevious() throws Exception {
        UUID tenant = tenantWithLoraAdapter("support");
        upload(replicaA, tenant, "support", DemoLoraAdapter.attention(4, 11).zip());
        String first = resolve(replicaB, tenant, "support");
        upload(replicaA, tenant, "support", DemoLoraAdapter.attention(4, 12).zip());
        LoraVersion third = upload(replicaB, tenant, "support", DemoLoraAdapter.attention(2, 13).zip());

        assertThat(registry(replicaA).versions(tenant, "support")).extracting(LoraVersion::version)
                .containsExactly(3, 2);
        Path adapterDir = adapterDirectory(tenant, third.adapterId());
        try (var listing = Files.list(adapterDir)) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("2", "3");
        }
        String latest = resolve(replicaB, tenant, "support");
        assertThat(latest).isNotEqualTo(first).isEqualTo(third.engineAdapterId());
        assertThat(bean(replicaB, EngineLoraBinding.class).registeredEngineId(third.adapterId())).isEqualTo(latest);
        assertThat(greedy(replicaB, latest)).isEqualTo(greedy(replicaA, resolve(replicaA, tenant, "support")));
    }

    @Test
    void deletingTheAdapterRemovesItsFilesRowsAndRegistration() throws Exception {
        UUID tenant = tenantWithLoraAdapter("temp");
        LoraVersion stored = upload(replicaA, tenant, "temp", DemoLoraAdapter.attention(4, 5).zip());
        String id = resolve(replicaA, tenant, "temp");
        greedy(replicaA, id);

        bean(replicaA, AdapterCatalog.class).delete(tenant, "temp", "test");

        assertThat(rows(stored.adapterId())).isZero();
        assertThat(adapterDirectory(tenant, stored.adapterId())).doesNotExist();
        assertThat(bean(replicaA, EngineLoraBinding.class).registeredEngineId(stored.adapterId())).isEmpty();
        assertThatThrownBy(() -> greedy(replicaA, id)).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> resolve(replicaB, tenant, "temp")).isInstanceOfSatisfying(AdapterException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
    }

    @Test
    void aReplicaRefusesStoredWeightsThatChangedOnDisk() throws IOException {
        UUID tenant = tenantWithLoraAdapter("tampered");
        LoraVersion stored = upload(replicaA, tenant, "tampered", DemoLoraAdapter.attention(4, 21).zip());
        Path weights = registry(replicaA).directory(tenant, stored).resolve("adapter_model.safetensors");
        Files.write(weights, DemoLoraAdapter.attention(4, 22).files().get("adapter_model.safetensors"));

        assertThatThrownBy(() -> resolve(replicaB, tenant, "tampered")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("do not have the SHA-256 recorded at upload");
        Files.delete(weights);
        assertThatThrownBy(() -> resolve(replicaB, tenant, "tampered")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("platform.adapters.lora.dir must be a directory shared by all replicas");
    }

    @Test
    void abandonedStagingDirectoriesAreRemovedByTheNextUpload() throws IOException {
        Path staging = dataDir.resolve("adapters/lora/.staging");
        Path abandoned = Files.createDirectories(staging.resolve("left-by-a-crash"));
        Files.writeString(abandoned.resolve("upload.zip"), "partial");
        Files.setLastModifiedTime(abandoned, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        Path recent = Files.createDirectories(staging.resolve("in-progress-elsewhere"));

        UUID tenant = tenantWithLoraAdapter("cleanup");
        upload(replicaA, tenant, "cleanup", DemoLoraAdapter.attention(2, 23).zip());

        assertThat(abandoned).doesNotExist();
        assertThat(recent).exists();
        Files.delete(recent);
    }

    @Test
    void anotherTenantCannotUploadToReadOrUseTheAdapter() {
        UUID owner = tenantWithLoraAdapter("private");
        upload(replicaA, owner, "private", DemoLoraAdapter.attention(4, 9).zip());
        UUID other = AdaptersTestContext.tenant(replicaA);
        for (var attempt : List.<Runnable>of(() -> upload(replicaA, other, "private",
                DemoLoraAdapter.attention(4, 9).zip()), () -> registry(replicaA).current(other, "private"),
                () -> resolve(replicaB, other, "private"))) {
            assertThatThrownBy(attempt::run).isInstanceOfSatisfying(AdapterException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
        }
    }

    @Test
    void weightsOnlyGoToLoraAdapters() {
        UUID tenant = AdaptersTestContext.tenant(replicaA);
        bean(replicaA, AdapterCatalog.class).create(tenant,
                new NewAdapter("kb", AdapterKind.KNOWLEDGE_GRAPH, null, true), "t");
        assertThatThrownBy(() -> upload(replicaA, tenant, "kb", DemoLoraAdapter.attention(4, 9).zip()))
                .isInstanceOfSatisfying(AdapterException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID);
                    assertThat(e.getMessage()).contains("KNOWLEDGE_GRAPH adapter");
                });
    }
}
