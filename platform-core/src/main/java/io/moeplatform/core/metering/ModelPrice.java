package io.moeplatform.core.metering;

import java.math.BigDecimal;

/** A model's price per 1000 input (prompt) and output (completion) tokens. */
public record ModelPrice(String model, BigDecimal inputPer1k, BigDecimal outputPer1k) {

    static final ModelPrice FREE = new ModelPrice("", BigDecimal.ZERO, BigDecimal.ZERO);

    /** Cost of the given token counts: (prompt * input + completion * output) / 1000. */
    public BigDecimal cost(long promptTokens, long completionTokens) {
        return inputPer1k.multiply(BigDecimal.valueOf(promptTokens))
                .add(outputPer1k.multiply(BigDecimal.valueOf(completionTokens))).movePointLeft(3);
    }
}
