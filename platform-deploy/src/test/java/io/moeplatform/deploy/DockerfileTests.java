package io.moeplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@code docker/Dockerfile} expects of the build, checked without a Docker engine: the files it takes from the
 * build context are there, the jar it copies exists after {@code mvn package} and splits into the layers it copies,
 * and the jlink'd runtime with its module list runs the platform with its entry point, as user-writable volumes
 * only, until SIGTERM stops it gracefully.
 */
class DockerfileTests {

    private static final Dockerfile DOCKERFILE = Dockerfile.parse(Repository.DOCKERFILE);
    private static final List<String> RUNTIME_STAGES = List.of("cpu", "cuda");
    private static final Pattern JAR_COPY = Pattern.compile("cp (platform-api/target/\\S+\\.jar) (/\\S+\\.jar)");
    private static final Pattern LAYER_COPY = Pattern.compile("--from=build /layers/([a-z-]+)/ (\\S+)");

    @Test
    void buildsBothVariantsFromOneBuildStageWithTheCudaImageAsDefault() {
        var names = DOCKERFILE.stages().stream().map(Dockerfile.Stage::name).toList();
        assertThat(names).contains("build", "app", "cpu", "cuda");
        assertThat(names.getLast()).as("the default target").isEqualTo("cuda");
        assertThat(DOCKERFILE.stage("cuda").base()).startsWith("nvidia/cuda:").endsWith("-runtime-ubuntu24.04");
        assertThat(DOCKERFILE.stage("build").base()).as("nvcc compiles the kernels into the jar")
                .startsWith("nvidia/cuda:").endsWith("-devel-ubuntu24.04");
        assertThat(DOCKERFILE.stage("cpu").base()).startsWith("debian:").endsWith("-slim");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void runtimeImageRunsAsANonRootUserWithAHealthCheckAndLabels(String name) {
        var stage = DOCKERFILE.stage(name);
        String user = stage.last("USER").orElseThrow();
        assertThat(user).matches("\\d+:\\d+");
        assertThat(Integer.parseInt(user.split(":")[0])).isPositive();
        assertThat(stage.last("HEALTHCHECK").orElseThrow()).contains("/actuator/health/liveness");
        assertThat(stage.last("EXPOSE")).hasValue("8080");
        String labels = String.join(" ", stage.arguments("LABEL"));
        assertThat(labels).contains("org.opencontainers.image.title=", "org.opencontainers.image.version=",
                "org.opencontainers.image.base.name=");
        String run = String.join(" ", stage.arguments("RUN"));
        for (String variable : List.of("PLATFORM_DATA_DIR", "DJL_CACHE_DIR")) {
            String directory = env(stage).get(variable);
            assertThat(directory).as(variable).isNotNull();
            assertThat(Stream.of(run.split("\\s+")).filter(word -> word.startsWith("/var/")))
                    .as("%s is under a directory the RUN step creates for user %s", variable, user)
                    .anyMatch(created -> directory.equals(created) || directory.startsWith(created + "/"));
        }
        assertThat(run).contains("install -d -o " + user.split(":")[0] + " -g " + user.split(":")[1]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "cuda"})
    void entryPointStartsTheApplicationWithTheEnginesJvmFlags(String name) {
        List<String> entryPoint = entryPoint(DOCKERFILE.stage(name));
        assertThat(entryPoint.getFirst()).isEqualTo("/opt/moe-platform/jre/bin/java");
        String engineFlags = pomProperty("engine.jvm.args");
        for (String flag : engineFlags.split("\\s+")) {
            assertThat(entryPoint).contains(flag);
        }
        assertThat(entryPoint.subList(entryPoint.size() - 2, entryPoint.size())).containsExactly("-jar",
                "/opt/moe-platform/app/platform-api.jar");
        assertThat(entryPoint(DOCKERFILE.stage("cpu"))).isEqualTo(entryPoint);
    }

    @Test
    void buildContextKeepsEverythingTheMavenBuildReads() throws IOException {
        var ignored = Files.readAllLines(Repository.ROOT.resolve(".dockerignore")).stream()
                .map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .map(pattern -> FileSystems.getDefault().getPathMatcher("glob:" + pattern.replaceAll("/$", "")))
                .toList();
        var needed = new ArrayList<>(List.of("mvnw", ".mvn/wrapper/maven-wrapper.properties", "pom.xml",
                "db/migration", ".mvn/format/eclipse-formatter.xml"));
        var modules = Pattern.compile("<module>([^<]+)</module>").matcher(Repository.read(
                Repository.ROOT.resolve("pom.xml"))).results().map(m -> m.group(1)).toList();
        assertThat(modules).contains("platform-api");
        modules.forEach(module -> {
            needed.add(module + "/pom.xml");
            needed.add(module + "/src");
        });
        for (String path : needed) {
            if (path.endsWith("/src") && !Files.exists(Repository.ROOT.resolve(path))) {
                continue;
            }
            assertThat(Repository.ROOT.resolve(path)).as("in the build context").exists();
            for (int depth = 1; depth <= Path.of(path).getNameCount(); depth++) {
                Path prefix = Path.of(path).subpath(0, depth);
                assertThat(ignored).as(".dockerignore excludes %s", prefix).noneMatch(m -> m.matches(prefix));
            }
        }
        assertThat(String.join(" ", DOCKERFILE.stage("build").arguments("COPY"))).contains(". .");
    }

    @Test
    void jarTheBuildStageCopiesExistsAfterPackageAndSplitsIntoTheLayersTheImageCopies(@TempDir Path work)
            throws Exception {
        Path jar = applicationJar();
        Path layers = extractLayers(jar, work);
        var copies = DOCKERFILE.stage("app").arguments("COPY").stream().map(LAYER_COPY::matcher)
                .filter(java.util.regex.Matcher::find).toList();
        assertThat(copies).hasSize(4);
        for (var copy : copies) {
            assertThat(layers.resolve(copy.group(1))).as("layer %s", copy.group(1)).isDirectory();
            assertThat(copy.group(2)).isEqualTo("/opt/moe-platform/app/");
        }
        assertThat(layers.resolve("application/platform-api.jar")).isRegularFile();
        assertThat(layers.resolve("dependencies/lib")).isNotEmptyDirectory();
    }

    /**
     * The image's runtime, emulated on this machine: jlink with the Dockerfile's module list, the layers merged as
     * the app stage merges them, the entry point's command, the image's environment pointed at temporary
     * directories (the volumes). The platform must start (embedded database, demo model, DJL's native tokenizer),
     * answer the health check, and exit after SIGTERM through the graceful shutdown.
     */
    @Test
    void runtimeWithTheImagesModulesRunsThePlatformAndStopsGracefullyOnSigterm(@TempDir Path work)
            throws Exception {
        Path jre = jlink(work.resolve("jre"));
        Path app = work.resolve("app");
        Path layers = extractLayers(applicationJar(), work.resolve("layers"));
        for (var copy : DOCKERFILE.stage("app").arguments("COPY").stream().map(LAYER_COPY::matcher)
                .filter(java.util.regex.Matcher::find).toList()) {
            copyTree(layers.resolve(copy.group(1)), app);
        }
        var command = new ArrayList<>(entryPoint(DOCKERFILE.stage("cpu")).stream()
                .map(arg -> arg.replace("/opt/moe-platform/jre", jre.toString()).replace("/opt/moe-platform/app",
                        app.toString()))
                .toList());
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        command.addAll(List.of("--server.port=" + port, "--platform.inference.threads=1",
                "--spring.main.banner-mode=off"));
        var process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("platform.log").toFile()).directory(work.toFile());
        var environment = process.environment();
        environment.keySet().removeIf(name -> name.startsWith("SPRING_") || name.startsWith("PLATFORM_"));
        env(DOCKERFILE.stage("cpu")).forEach((name, value) -> environment.put(name,
                value.replace("/var/lib/moe-platform", work.resolve("data").toString())
                        .replace("/var/cache/moe-platform", work.resolve("cache").toString())));
        Process platform = process.start();
        try {
            String health = DOCKERFILE.stage("cpu").last("HEALTHCHECK").orElseThrow();
            String path = health.substring(health.indexOf("/actuator/"), health.indexOf(" ", health.indexOf(
                    "/actuator/")));
            assertThat(awaitStatus(platform, port, "/actuator/health/readiness", work)).isEqualTo(200);
            assertThat(status(port, path)).as("the HEALTHCHECK's URL").isEqualTo(200);
            assertThat(work.resolve("cache/djl")).as("DJL unpacked its native library into DJL_CACHE_DIR")
                    .isNotEmptyDirectory();
            platform.destroy();
            assertThat(platform.waitFor(120, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            assertThat(platform.exitValue()).isIn(0, 143);
            assertThat(Files.readString(work.resolve("platform.log"))).contains("Graceful shutdown complete");
        } finally {
            platform.destroyForcibly();
        }
    }

    private static int awaitStatus(Process platform, int port, String path, Path work) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            if (!platform.isAlive()) {
                throw new AssertionError("the platform exited with " + platform.exitValue() + ":\n"
                        + Files.readString(work.resolve("platform.log")));
            }
            try {
                int status = status(port, path);
                if (status == 200) {
                    return status;
                }
            } catch (IOException notYetListening) {
                // the port opens once the model is loaded
            }
            Thread.sleep(250);
        }
        throw new AssertionError("not ready in time:\n" + Files.readString(work.resolve("platform.log")));
    }

    private static int status(int port, String path) throws IOException, InterruptedException {
        try (var http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }

    /** The jar of {@code platform-api/target} that the build stage's {@code cp} glob picks: exactly one. */
    static Path applicationJar() throws IOException {
        String run = String.join(" ", DOCKERFILE.stage("build").arguments("RUN"));
        var copy = JAR_COPY.matcher(run);
        assertThat(copy.find()).as("the build stage copies the application jar").isTrue();
        assertThat(copy.group(2)).isEqualTo("/platform-api.jar");
        Path glob = Path.of(copy.group(1));
        var matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob.getFileName());
        try (Stream<Path> files = Files.list(Repository.ROOT.resolve(glob.getParent()))) {
            var jars = files.filter(f -> matcher.matches(f.getFileName())).toList();
            assertThat(jars).as("%s after mvn package (run the build from the root: platform-api is packaged first)",
                    glob).hasSize(1);
            return jars.getFirst();
        }
    }

    private static Path extractLayers(Path jar, Path work) throws Exception {
        Files.createDirectories(work);
        Path renamed = Files.copy(jar, work.resolve("platform-api.jar"));
        String extract = String.join(" ", DOCKERFILE.stage("build").arguments("RUN"));
        assertThat(extract).contains("-Djarmode=tools -jar /platform-api.jar extract --layers --destination /layers");
        run(work, javaTool("java"), "-Djarmode=tools", "-jar", renamed.toString(), "extract", "--layers",
                "--destination", work.resolve("layers").toString());
        return work.resolve("layers");
    }

    private static Path jlink(Path output) throws Exception {
        String run = String.join(" ", DOCKERFILE.stage("build").arguments("RUN"));
        var modules = Pattern.compile("jlink --add-modules (\\S+)").matcher(run);
        assertThat(modules.find()).isTrue();
        assertThat(modules.group(1).split(",")).contains("jdk.incubator.vector", "java.sql", "java.naming");
        // The image compresses its runtime too; here that would only cost time.
        run(output.getParent(), javaTool("jlink"), "--add-modules", modules.group(1), "--strip-debug",
                "--no-man-pages", "--no-header-files", "--output", output.toString());
        return output;
    }

    private static void run(Path directory, String... command) throws Exception {
        var process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as("%s:%n%s", Arrays.toString(command), output).isZero();
    }

    private static String javaTool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }

    private static List<String> entryPoint(Dockerfile.Stage stage) {
        String json = stage.last("ENTRYPOINT").orElseThrow();
        assertThat(json).as("exec form, so the JVM is PID 1 and gets SIGTERM").startsWith("[");
        return Pattern.compile("\"([^\"]*)\"").matcher(json).results().map(m -> m.group(1)).toList();
    }

    /** The stage's ENV instructions ({@code NAME=value} pairs). */
    private static Map<String, String> env(Dockerfile.Stage stage) {
        var values = new java.util.LinkedHashMap<String, String>();
        for (String arguments : stage.arguments("ENV")) {
            for (String pair : arguments.split("\\s+")) {
                int equals = pair.indexOf('=');
                values.put(pair.substring(0, equals), pair.substring(equals + 1));
            }
        }
        return values;
    }

    private static String pomProperty(String name) {
        var matcher = Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</" + Pattern.quote(name) + ">")
                .matcher(Repository.read(Repository.ROOT.resolve("pom.xml")));
        assertThat(matcher.find()).as("root pom property %s", name).isTrue();
        return matcher.group(1).strip();
    }
}
