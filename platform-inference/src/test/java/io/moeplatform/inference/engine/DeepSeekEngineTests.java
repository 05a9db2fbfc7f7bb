package io.moeplatform.inference.engine;

import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * The engine's invariants (batching, chunked prefill, prefix cache, preemption, every KV block returned) on the
 * tiny deepseek_v3 golden checkpoint: MLA's latent cache goes through the same block allocator, prefix cache and
 * scheduler as a full K/V cache.
 */
class DeepSeekEngineTests extends RealModelEngineTests {

    @Override
    Path modelDirectory() {
        try {
            return Path.of(DeepSeekEngineTests.class.getResource("/golden/models/deepseek_v3").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
