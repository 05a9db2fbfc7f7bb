package io.moeplatform.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the checkout under test (the Maven build passes its root as {@code repository.root}). */
final class Repository {

    static final Path ROOT = Path.of(System.getProperty("repository.root", "..")).toAbsolutePath().normalize();
    static final Path CHART = ROOT.resolve("helm/moe-platform");
    static final Path DOCKERFILE = ROOT.resolve("docker/Dockerfile");
    static final Path APPLICATION_YAML = ROOT.resolve("platform-api/src/main/resources/application.yaml");

    private Repository() {}

    static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }
}
