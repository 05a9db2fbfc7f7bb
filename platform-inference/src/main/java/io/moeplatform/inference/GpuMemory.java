package io.moeplatform.inference;

/**
 * Device memory of the GPU an engine runs on, as the driver reports it, and what the engine holds of it.
 *
 * @param device
 *            the GPU's name, e.g. {@code NVIDIA H100 80GB HBM3}
 * @param totalBytes
 *            memory of the device
 * @param freeBytes
 *            memory no one (this process or another) has allocated
 * @param weightBytes
 *            the model's weights on the device
 * @param kvCacheBytes
 *            the paged KV pool on the device
 */
public record GpuMemory(String device, long totalBytes, long freeBytes, long weightBytes, long kvCacheBytes) {

    /** Bytes allocated on the device by anyone: {@code total - free}. */
    public long usedBytes() {
        return totalBytes - freeBytes;
    }
}
