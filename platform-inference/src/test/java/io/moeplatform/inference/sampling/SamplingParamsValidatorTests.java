package io.moeplatform.inference.sampling;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.inference.InvalidGenerationRequestException;
import io.moeplatform.inference.SamplingParams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SamplingParamsValidatorTests {

    private static final int VOCABULARY = 1000;

    /** A valid request with one field replaced. */
    private static SamplingParams with(String field, float value, boolean logprobs) {
        return new SamplingParams(field.equals("temperature") ? value : 1f, field.equals("top_k") ? (int) value : 0,
                field.equals("top_p") ? value : 1f, field.equals("min_p") ? value : 0f, 7L,
                field.equals("presence_penalty") ? value : 0f, field.equals("frequency_penalty") ? value : 0f,
                field.equals("repetition_penalty") ? value : 1f, field.equals("max_tokens") ? (int) value : 16,
                logprobs, field.equals("top_logprobs") ? (int) value : 0);
    }

    @ParameterizedTest
    @CsvSource({"temperature, -0.1, temperature must be between 0 and 2", "temperature, 2.5, got 2.5",
            "temperature, NaN, temperature must be between 0 and 2", "top_p, 0, top_p must be greater than 0",
            "top_p, 1.01, at most 1", "top_k, -1, top_k must be 0 (keep every token) or a positive number",
            "top_k, 1001, top_k must be at most the vocabulary size 1000", "min_p, 1.5, min_p must be between 0 and 1",
            "presence_penalty, 2.1, presence_penalty must be between -2 and 2",
            "frequency_penalty, -3, frequency_penalty must be between -2 and 2",
            "repetition_penalty, 0, repetition_penalty must be a positive number",
            "max_tokens, 0, max_tokens must be at least 1", "top_logprobs, 21, top_logprobs must be between 0 and 20",
            "top_logprobs, -1, top_logprobs must be between 0 and 20"})
    void rejectsOutOfRangeValuesNamingTheField(String field, float value, String message) {
        assertThatThrownBy(() -> SamplingParamsValidator.validate(with(field, value, true), VOCABULARY))
                .isInstanceOfSatisfying(InvalidGenerationRequestException.class,
                        e -> org.assertj.core.api.Assertions.assertThat(e.param()).isEqualTo(field))
                .hasMessageContaining(message);
    }

    @Test
    void rejectsTopLogprobsWithoutLogprobs() {
        assertThatThrownBy(() -> SamplingParamsValidator.validate(with("top_logprobs", 3, false), VOCABULARY))
                .isInstanceOf(InvalidGenerationRequestException.class)
                .hasMessage("top_logprobs requires logprobs to be true; set logprobs: true or remove top_logprobs");
    }

    @ParameterizedTest
    @CsvSource({"temperature, 0", "temperature, 2", "top_p, 1", "top_p, 0.01", "top_k, 1000", "min_p, 1",
            "presence_penalty, -2", "frequency_penalty, 2", "repetition_penalty, 0.5", "top_logprobs, 20"})
    void acceptsTheEdgesOfEachRange(String field, float value) {
        assertThatCode(() -> SamplingParamsValidator.validate(with(field, value, true), VOCABULARY))
                .doesNotThrowAnyException();
    }

    @Test
    void samplerFactoryRejectsInvalidParameters() {
        assertThatThrownBy(() -> Samplers.create(with("top_p", 0f, false), 1, VOCABULARY))
                .isInstanceOf(InvalidGenerationRequestException.class).hasMessageContaining("top_p");
    }
}
