package io.moeplatform.inference.text.jinja;

/** A chat template called {@code raise_exception}: the conversation is not one the model accepts. */
public final class TemplateRaisedException extends RuntimeException {

    public TemplateRaisedException(String message) {
        super(message);
    }
}
