package io.moeplatform.inference.engine;

import io.moeplatform.inference.InferenceService;

/** A running engine: the service plus its lifecycle. Closing drains nothing; it cancels what is in flight. */
public interface InferenceEngine extends InferenceService, AutoCloseable {

    @Override
    void close();
}
