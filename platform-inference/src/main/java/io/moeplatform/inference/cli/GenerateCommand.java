package io.moeplatform.inference.cli;

import io.moeplatform.inference.ChatMessage;
import io.moeplatform.inference.GenerationEvent;
import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.PromptCodec;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.SchedulingClass;
import io.moeplatform.inference.StopConditions;
import io.moeplatform.inference.engine.Device;
import io.moeplatform.inference.engine.EngineOptions;
import io.moeplatform.inference.engine.LocalInferenceEngine;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code generate --model DIR [--prompt TEXT] [--chat] [--max-tokens N] [--temperature T] [--seed S]
 * [--device auto|cpu|cuda] [--threads N]}: one completion streamed to stdout as the engine produces it; timings go to
 * stderr so that stdout is exactly the generated text.
 */
final class GenerateCommand {

    static final String NAME = "generate";
    private static final Set<String> VALUED = Set.of("model", "prompt", "max-tokens", "temperature", "seed", "device",
            "threads");
    private static final Set<String> SWITCHES = Set.of("chat");

    private GenerateCommand() {}

    static void run(List<String> args, PrintStream out, PrintStream err) throws InterruptedException {
        CliOptions options = CliOptions.parse(NAME, args, VALUED, SWITCHES);
        String model = options.value("model");
        if (model == null) {
            throw new CliUsageException(NAME + ": --model DIR is required (a Hugging Face model directory)");
        }
        Path dir = Path.of(model).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new CliUsageException(NAME + ": --model " + model + " is not a directory");
        }
        String name = String.valueOf(dir.getFileName());
        SamplingParams sampling = new SamplingParams(options.floatValue("temperature", 0f), 0, 1f, 0f,
                options.longValue("seed"), 0f, 0f, 1f, options.intValue("max-tokens", 64), false, 0);
        EngineOptions engineOptions = new EngineOptions(dir, name, EngineCli.device(options, Device.AUTO),
                options.intValue("threads", 0), 16, 0, 2048, 1, 1, Duration.ofMinutes(10), false, false);
        try (LocalInferenceEngine engine = LocalInferenceEngine.start(engineOptions)) {
            PromptCodec codec = engine.codec(name);
            String prompt = options.value("prompt", "Hello");
            String text = options.flag("chat")
                    ? codec.renderChat(List.of(new ChatMessage("user", prompt)), true)
                    : prompt;
            GenerationRequest request = new GenerationRequest("cli-generate", name, "cli", SchedulingClass.DEFAULT,
                    codec.encode(text), sampling, StopConditions.NONE, 1, null, "cli");
            TokenTimeline timeline = new TokenTimeline(System.nanoTime(), token -> {
                out.print(token.text());
                out.flush();
            });
            engine.submit(request).events().subscribe(timeline);
            GenerationEvent.Completed completed = timeline.await(10, TimeUnit.MINUTES);
            out.println();
            out.flush();
            err.printf("[%s on %s: %d prompt tokens, %d generated, first token after %d ms, total %d ms]%n", name,
                    engine.status().backend(), completed.usage().promptTokens(),
                    completed.usage().completionTokens(), completed.timings().timeToFirstToken().toMillis(),
                    completed.timings().total().toMillis());
        }
    }
}
