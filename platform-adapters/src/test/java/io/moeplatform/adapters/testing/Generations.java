package io.moeplatform.adapters.testing;

import io.moeplatform.inference.ChatMessage;
import io.moeplatform.inference.GenerationEvent;
import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.PromptCodec;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.SchedulingClass;
import io.moeplatform.inference.StopConditions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** Runs a request on the engine directly (no platform in between) and collects its tokens. */
public final class Generations {

    private Generations() {}

    /** Greedy tokens for one user message under the model's chat template, with the LoRA adapter id or none. */
    public static List<GenerationEvent.Token> greedyChat(InferenceService inference, String model, String user,
            int maxTokens, @Nullable String loraAdapterId) throws Exception {
        PromptCodec codec = inference.codec(model);
        int[] prompt = codec.encode(codec.renderChat(List.of(new ChatMessage("user", user)), true));
        var handle = inference.submit(new GenerationRequest(UUID.randomUUID().toString(), model, "tenant",
                SchedulingClass.DEFAULT, prompt, SamplingParams.greedy(maxTokens), StopConditions.NONE, 1,
                loraAdapterId, "direct"));
        var tokens = new ArrayList<GenerationEvent.Token>();
        var done = new CompletableFuture<List<GenerationEvent.Token>>();
        handle.events().subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(GenerationEvent event) {
                if (event instanceof GenerationEvent.Token token) {
                    tokens.add(token);
                }
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }

            @Override
            public void onComplete() {
                done.complete(tokens);
            }
        });
        return done.get(120, TimeUnit.SECONDS);
    }

    /** The text of the tokens, as the API puts it together. */
    public static String text(List<GenerationEvent.Token> tokens) {
        var text = new StringBuilder();
        tokens.forEach(token -> text.append(token.text()));
        return text.toString();
    }
}
