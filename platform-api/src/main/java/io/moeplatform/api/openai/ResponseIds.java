package io.moeplatform.api.openai;

import io.moeplatform.inference.InferenceService;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Response ids ({@code chatcmpl-...}, {@code cmpl-...}) and the system fingerprint of a served model. */
public final class ResponseIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private ResponseIds() {}

    public static String newId(String prefix) {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return prefix + HexFormat.of().formatHex(bytes);
    }

    /** Changes when the model or its backend changes, as OpenAI's fingerprint does for its configuration. */
    public static String fingerprint(InferenceService inference, String model) {
        String backend = inference.models().stream().filter(info -> info.id().equals(model)).map(info -> info.backend())
                .findFirst().orElse("");
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((model + "/" + backend).getBytes(StandardCharsets.UTF_8));
            return "fp_" + HexFormat.of().formatHex(hash, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
