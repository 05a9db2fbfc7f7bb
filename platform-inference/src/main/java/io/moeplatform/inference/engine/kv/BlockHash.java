package io.moeplatform.inference.engine.kv;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.jspecify.annotations.Nullable;

/**
 * Identity of a full KV block's content: SHA-256 over the parent block's hash,
 * the salt and the block's token ids, kept as 128 bits. Chaining makes a block's
 * hash depend on every token before it, so equal hashes mean equal KV; the salt
 * (tenant and adapter) keeps tenants from ever sharing blocks. 128 bits of
 * SHA-256 make an accidental collision (which would silently mix KV) negligible,
 * unlike a 64-bit polynomial hash.
 */
public record BlockHash(long high, long low) {

    /**
     * Hash of the block holding {@code tokens[from .. from+length)}, following
     * {@code parent} (null for the first block).
     */
    public static BlockHash of(@Nullable BlockHash parent, String salt, int[] tokens, int from, int length) {
        MessageDigest digest = sha256();
        ByteBuffer buffer = ByteBuffer.allocate(17 + 4 * length);
        buffer.put((byte) (parent == null ? 0 : 1));
        buffer.putLong(parent == null ? 0 : parent.high);
        buffer.putLong(parent == null ? 0 : parent.low);
        for (int i = from; i < from + length; i++) {
            buffer.putInt(tokens[i]);
        }
        digest.update(buffer.array());
        byte[] saltBytes = salt.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(4).putInt(saltBytes.length).array());
        digest.update(saltBytes);
        ByteBuffer sum = ByteBuffer.wrap(digest.digest());
        return new BlockHash(sum.getLong(), sum.getLong());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }
}
