package io.moeplatform.adapters.lora;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Where LoRA adapter files live: {@code <dir>/<tenant id>/<adapter id>/<version>/}, with uploads unpacked and
 * validated under {@code <dir>/.staging/} first. Staging is inside the same directory tree so that installing a
 * version is one atomic rename: a version directory is either complete or absent.
 */
@Component
public class LoraFiles {

    private static final Logger log = LoggerFactory.getLogger(LoraFiles.class);

    private static final Duration STAGING_LEFTOVER_AGE = Duration.ofDays(1);

    private final Path root;

    LoraFiles(LoraAdapterProperties properties, Environment environment) {
        Path dir = properties.dir().isBlank()
                ? Path.of(environment.getProperty("platform.data-dir", "./data"), "adapters", "lora")
                : Path.of(properties.dir().strip());
        this.root = dir.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** Every version of one adapter. */
    public Path adapterDirectory(UUID tenantId, UUID adapterId) {
        return root.resolve(tenantId.toString()).resolve(adapterId.toString());
    }

    public Path versionDirectory(UUID tenantId, UUID adapterId, int version) {
        return adapterDirectory(tenantId, adapterId).resolve(Integer.toString(version));
    }

    /**
     * A new, empty staging directory for one upload. Staging directories a day old are removed on the way: they are
     * what a process that stopped in the middle of an upload left (uploads in progress on any replica are younger).
     */
    Path newStagingDirectory() throws IOException {
        Path staging = root.resolve(".staging");
        Files.createDirectories(staging);
        Instant abandoned = Instant.now().minus(STAGING_LEFTOVER_AGE);
        try (Stream<Path> leftovers = Files.list(staging)) {
            leftovers.filter(dir -> lastModified(dir).isBefore(abandoned)).forEach(LoraFiles::deleteQuietly);
        }
        return Files.createDirectory(staging.resolve(UUID.randomUUID().toString()));
    }

    private static Instant lastModified(Path path) {
        try {
            return Files.getLastModifiedTime(path).toInstant();
        } catch (IOException e) {
            return Instant.MAX; // gone meanwhile, or unreadable: not ours to remove
        }
    }

    /**
     * Moves a validated staging directory to its version directory in one rename. A directory already there is
     * the leftover of an upload whose transaction never committed (the caller holds that version's row), so it is
     * replaced.
     */
    void install(Path staged, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        if (Files.exists(target)) {
            log.warn("Replacing {}, left by an upload that did not commit", target);
            deleteTree(target);
        }
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes a directory with everything in it; a missing one is fine. Failures are logged, never thrown. */
    static void deleteQuietly(@Nullable Path directory) {
        if (directory == null) {
            return;
        }
        try {
            deleteTree(directory);
        } catch (IOException | UncheckedIOException e) {
            log.warn("Could not delete {}", directory, e);
        }
    }

    private static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        Files.walkFileTree(directory, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, @Nullable IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
