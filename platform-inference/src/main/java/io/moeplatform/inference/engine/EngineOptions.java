package io.moeplatform.inference.engine;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything needed to start an engine for one model directory.
 *
 * @param modelPath Hugging Face model directory
 * @param servedModelName the name clients use; defaults to the directory's name
 * @param device where to run
 * @param threads CPU threads for the CPU backend (0: all available processors)
 * @param kvBlockSize tokens per KV block
 * @param kvCacheBytes memory for the KV pool (0: the backend chooses)
 * @param maxBatchTokens token budget of one engine step (decodes plus prefill chunks)
 * @param maxRunningSequences most sequences in the running batch
 * @param maxQueuedRequests bounded queue; submit beyond it is rejected as overloaded
 * @param queueTimeout longest time a request may wait for admission before it fails as overloaded
 * @param prefixCaching share KV blocks of identical prompt prefixes (salted per tenant and adapter)
 * @param dummyWeights random weights generated in place of the checkpoint's tensors (benchmarks)
 */
public record EngineOptions(
        Path modelPath,
        String servedModelName,
        Device device,
        int threads,
        int kvBlockSize,
        long kvCacheBytes,
        int maxBatchTokens,
        int maxRunningSequences,
        int maxQueuedRequests,
        Duration queueTimeout,
        boolean prefixCaching,
        boolean dummyWeights) {}
