package io.moeplatform.inference.cli;

/** The command line is wrong; the message says what to change. */
final class CliUsageException extends RuntimeException {

    CliUsageException(String message) {
        super(message);
    }
}
