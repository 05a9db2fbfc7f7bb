package io.moeplatform.inference.cli;

import io.moeplatform.inference.InferenceException;
import io.moeplatform.inference.engine.Device;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The engine's command line: {@code java -jar platform-inference-*.jar generate|bench ...}. Plain Java, no Spring,
 * so it runs on a GPU host from the thin jar and its {@code lib/} folder.
 */
public final class EngineCli {

    static final String USAGE = """
            usage:
              generate --model DIR [--prompt TEXT] [--chat] [--max-tokens N] [--temperature T] [--seed S]
                       [--device auto|cpu|cuda] [--threads N]
              bench    --model DIR | --dummy CONFIG_JSON [--tokenizer DIR|none] [--batch 1,8,...] [--prompt-len N] [--gen-len N]
                       [--prefill-len N] [--requests 128,512 [--output-len 64..512,64]]
                       [--device auto|cpu|cuda] [--threads N] [--kv-cache-mb N] [--max-batch-tokens N]
                       [--max-running N] [--gpu-memory-fraction F] [--bandwidth BYTES_PER_S] [--peak-flops FLOPS]
                       [--lora DIR[,DIR...]]
              check-logits --model DIR --reference DIR [--device auto|cpu|cuda] [--min-agreement 0.99]""";
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    private EngineCli() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            System.exit(relaunchWithVectorModule(args));
        }
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs one command in this JVM.
     *
     * @return the process exit status: 0 done, 2 wrong usage or a request the engine rejected, 1 failure
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            err.println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            switch (args[0]) {
                case GenerateCommand.NAME -> GenerateCommand.run(rest, out, err);
                case BenchCommand.NAME -> BenchCommand.run(rest, out, err);
                case CheckLogitsCommand.NAME -> CheckLogitsCommand.run(rest, out, err);
                default -> throw new CliUsageException("unknown command '" + args[0] + "'");
            }
            return 0;
        } catch (CliUsageException | InferenceException e) {
            err.println(e.getMessage());
            if (e instanceof CliUsageException) {
                err.println(USAGE);
            }
            return 2;
        } catch (CheckLogitsCommand.CheckFailedException e) {
            err.println(args[0] + ": " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("interrupted");
            return 1;
        } catch (RuntimeException e) {
            err.println(args[0] + " failed: " + e.getMessage());
            e.printStackTrace(err);
            return 1;
        }
    }

    static Device device(CliOptions options, Device fallback) {
        String value = options.value("device");
        if (value == null) {
            return fallback;
        }
        try {
            return Device.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CliUsageException("--device must be auto, cpu or cuda, got '" + value + "'");
        }
    }

    /**
     * The CPU kernels need the incubating Vector API, which {@code java -jar} cannot enable from the manifest: start
     * the same jar again in a child JVM with the module added, and pass its exit status on.
     */
    private static int relaunchWithVectorModule(String[] args) throws IOException, InterruptedException {
        Optional<String> java = ProcessHandle.current().info().command();
        String classPath = System.getProperty("java.class.path");
        if (java.isEmpty() || classPath == null || classPath.isEmpty()) {
            System.err.println("Run with: java --add-modules " + VECTOR_MODULE
                    + " --enable-native-access=ALL-UNNAMED -jar platform-inference.jar ...");
            return 2;
        }
        List<String> command = new ArrayList<>();
        command.add(java.get());
        // Keep the caller's JVM options (heap size, system properties) for the child.
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("--add-modules=" + VECTOR_MODULE, "--enable-native-access=ALL-UNNAMED", "-cp",
                classPath, EngineCli.class.getName()));
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
