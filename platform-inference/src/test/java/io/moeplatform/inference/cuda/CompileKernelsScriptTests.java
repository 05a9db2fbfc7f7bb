package io.moeplatform.inference.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build step that compiles the kernels must let a machine without nvcc build, saying why in the status. */
class CompileKernelsScriptTests {

    private static final Path SOURCES = Path.of("src/main/cuda");

    @Test
    void withoutNvccTheScriptSucceedsAndRecordsWhy(@TempDir Path out) throws Exception {
        Process p = run(out, "");
        assertThat(p.exitValue()).isZero();
        assertThat(out.resolve("moe-kernels.fatbin")).doesNotExist();
        assertThat(Files.readString(out.resolve("moe-kernels.status"))).startsWith("nvcc was not found at build time");
        assertThat(new String(p.getInputStream().readAllBytes())).contains("kernels not compiled");
    }

    @Test
    void anExplicitlyNamedNvccThatIsMissingIsNotSilentlyReplaced(@TempDir Path out) throws Exception {
        Process p = run(out, "/nonexistent/nvcc");
        assertThat(p.exitValue()).isZero();
        assertThat(Files.readString(out.resolve("moe-kernels.status"))).startsWith("nvcc was not found");
    }

    private static Process run(Path out, String nvcc) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", SOURCES.resolve("compile-kernels.sh").toString(),
                SOURCES.toString(), out.toString()).redirectErrorStream(true);
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("NVCC_CANDIDATES", "");
        pb.environment().put("NVCC", nvcc);
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p;
    }
}
