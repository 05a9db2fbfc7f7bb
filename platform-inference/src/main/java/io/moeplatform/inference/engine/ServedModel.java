package io.moeplatform.inference.engine;

import io.moeplatform.inference.PromptCodec;
import io.moeplatform.inference.model.ModelExecutor;
import io.moeplatform.inference.text.Tokenizer;
import java.util.Set;

/**
 * A loaded model with everything the engine needs to serve it.
 *
 * @param name
 *            the served model name clients use
 * @param executor
 *            forward passes and the KV pool; the engine closes it
 * @param tokenizer
 *            for text deltas and logprob token texts
 * @param codec
 *            chat template and tokenizer as the API uses them
 * @param eosTokenIds
 *            tokens that end a choice unless {@code ignoreEos}
 */
public record ServedModel(String name, ModelExecutor executor, Tokenizer tokenizer, PromptCodec codec,
        Set<Integer> eosTokenIds) {

    public ServedModel {
        eosTokenIds = Set.copyOf(eosTokenIds);
    }
}
