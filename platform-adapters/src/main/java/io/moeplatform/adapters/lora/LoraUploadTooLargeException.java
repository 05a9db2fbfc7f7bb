package io.moeplatform.adapters.lora;

/** An upload, or the files unpacked from it, above {@code platform.adapters.lora.max-upload-size}. */
public class LoraUploadTooLargeException extends RuntimeException {

    private final long limit;

    public LoraUploadTooLargeException(String what, long limit) {
        super(what + " exceeds the limit of " + limit + " bytes (platform.adapters.lora.max-upload-size)");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
