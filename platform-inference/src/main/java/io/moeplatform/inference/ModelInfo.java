package io.moeplatform.inference;

import java.util.List;

/**
 * A served model.
 *
 * @param id
 *            the served model name clients use in {@code model}
 * @param architecture
 *            Hugging Face {@code model_type}, e.g. {@code qwen3_moe}
 * @param contextLength
 *            the longest prompt plus completion the model accepts
 * @param backend
 *            where it runs: {@code cpu} or {@code cuda}
 * @param adapters
 *            ids of LoRA adapters loaded for it
 */
public record ModelInfo(String id, String architecture, int contextLength, String backend, List<String> adapters) {}
