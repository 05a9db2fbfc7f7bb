package io.moeplatform.inference.model;

import java.nio.file.Path;

/**
 * A model directory that cannot be loaded. The message names the file and the
 * problem, so that an operator knows what to fix.
 */
public final class ModelLoadException extends RuntimeException {

    public ModelLoadException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public ModelLoadException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
