package io.moeplatform.inference.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every kernel is launched with programmatic stream serialization on sm_90+ ({@link CudaContext#programmaticLaunch}),
 * so every kernel must wait for its predecessor with {@code grid_dependency_sync()} before it reads anything another
 * kernel wrote, and must wait at all: a kernel that skips the wait could finish before its predecessor, and its
 * successor would then read unfinished results. A forgotten call would show up on the GPU only as a rare race, so the
 * sources are checked here, on every build.
 */
class KernelGridDependencyTests {

    private static final Path SOURCES = Path.of("src/main/cuda");
    private static final Pattern KERNEL = Pattern.compile("__global__[^{;]*?\\b(\\w+)\\s*\\(", Pattern.DOTALL);
    private static final Pattern DEVICE_FUNCTION = Pattern
            .compile("__device__\\s+(?:__forceinline__\\s+)?(?:static\\s+)?[\\w<>:*\\s]+?\\b(\\w+)\\s*\\(");
    private static final Pattern CALL = Pattern.compile("\\b(\\w+)\\s*(?:<[^;(){}]*>)?\\s*\\(");
    private static final String SYNC = "grid_dependency_sync";

    @Test
    void everyKernelWaitsForTheGridBeforeIt() throws IOException {
        Map<String, String> kernels = new TreeMap<>();
        Map<String, String> deviceFunctions = new TreeMap<>();
        for (Path file : sources()) {
            String text = withoutComments(Files.readString(file)).replaceAll("__launch_bounds__\\s*\\([^)]*\\)", "");
            collect(text, KERNEL, kernels, file, true);
            collect(text, DEVICE_FUNCTION, deviceFunctions, file, false);
        }
        assertThat(kernels).as("kernels found in %s", SOURCES).hasSizeGreaterThan(30);
        List<String> missing = new ArrayList<>();
        kernels.forEach((name, body) -> {
            if (!synchronizes(body, deviceFunctions, 0)) {
                missing.add(name);
            }
        });
        assertThat(missing).as("kernels that never call %s()", SYNC).isEmpty();
    }

    @Test
    void theCheckFindsAKernelWithoutTheWait() {
        Map<String, String> kernels = new TreeMap<>();
        collect("extern \"C\" __global__ void lonely(int* x) { x[0] = 1; }", KERNEL, kernels, SOURCES, false);
        assertThat(synchronizes(kernels.get("lonely"), Map.of(), 0)).isFalse();
        collect("extern \"C\" __global__ void polite(int* x) { grid_dependency_sync(); x[0] = 1; }", KERNEL, kernels,
                SOURCES, false);
        assertThat(synchronizes(kernels.get("polite"), Map.of(), 0)).isTrue();
    }

    /** The body calls the sync itself or through a device function of ours (a template body shared by entries). */
    private static boolean synchronizes(String body, Map<String, String> deviceFunctions, int depth) {
        if (body.contains(SYNC + "(")) {
            return true;
        }
        if (depth > 3) {
            return false;
        }
        Matcher call = CALL.matcher(body);
        while (call.find()) {
            String callee = deviceFunctions.get(call.group(1));
            if (callee != null && synchronizes(callee, deviceFunctions, depth + 1)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Name -> body (the text between the function's braces) of each match of {@code header}; with {@code located}
     * the key also holds the file and offset, so that kernels defined by one macro ({@code NAME(...)}) all count.
     */
    private static void collect(String text, Pattern header, Map<String, String> into, Path file, boolean located) {
        Matcher m = header.matcher(text);
        while (m.find()) {
            int open = text.indexOf('{', m.end());
            int semicolon = text.indexOf(';', m.end());
            if (open < 0 || (semicolon >= 0 && semicolon < open)) {
                continue; // a declaration
            }
            int depth = 0;
            int end = open;
            for (; end < text.length(); end++) {
                char c = text.charAt(end);
                depth += c == '{' ? 1 : c == '}' ? -1 : 0;
                if (depth == 0) {
                    break;
                }
            }
            assertThat(depth).as("unbalanced braces after %s in %s", m.group(1), file).isZero();
            String key = located ? file.getFileName() + ":" + m.start() + " " + m.group(1) : m.group(1);
            into.put(key, text.substring(open + 1, end));
        }
    }

    private static String withoutComments(String text) {
        return text.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.list(SOURCES)) {
            return files.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
        }
    }
}
