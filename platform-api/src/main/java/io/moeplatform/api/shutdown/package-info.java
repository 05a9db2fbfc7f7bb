/**
 * Graceful shutdown: on stop, new generations are refused with a retryable 503 while the ones in flight finish,
 * before the web server stops and the engine closes.
 */
@NullMarked
package io.moeplatform.api.shutdown;

import org.jspecify.annotations.NullMarked;
