/**
 * The inference engine's public API: the only types other modules may use.
 *
 * <p>
 * {@link io.moeplatform.inference.InferenceService} accepts
 * {@link io.moeplatform.inference.GenerationRequest}s and streams
 * {@link io.moeplatform.inference.GenerationEvent}s back. Everything below this
 * package (model loading, architectures, backends, KV cache, scheduler) is
 * internal to the module.
 */
@NullMarked
package io.moeplatform.inference;

import org.jspecify.annotations.NullMarked;
