package io.moeplatform.adapters.testing;

import io.moeplatform.inference.PromptCodec;
import io.moeplatform.inference.model.DemoModel;
import io.moeplatform.inference.text.HfPromptCodec;
import io.moeplatform.inference.text.HfTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The demo model's real tokenizer (byte-level BPE, from platform-inference's classpath), without the engine. */
public final class DemoCodec {

    private static PromptCodec codec;

    private DemoCodec() {}

    public static synchronized PromptCodec get() {
        if (codec == null) {
            try (InputStream in = DemoModel.class.getResourceAsStream(DemoModel.RESOURCES + "tokenizer.json")) {
                codec = new HfPromptCodec(HfTokenizer.load(in.readAllBytes(), "demo tokenizer.json"), null, 4096);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return codec;
    }
}
