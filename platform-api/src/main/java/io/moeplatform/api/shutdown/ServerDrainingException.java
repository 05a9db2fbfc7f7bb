package io.moeplatform.api.shutdown;

/** This replica is shutting down and takes no new generations; the client should retry (another replica). */
public final class ServerDrainingException extends RuntimeException {

    ServerDrainingException() {
        super("This server is shutting down and accepts no new requests; retry the request.");
    }
}
