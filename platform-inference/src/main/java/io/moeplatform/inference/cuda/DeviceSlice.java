package io.moeplatform.inference.cuda;

/**
 * A view into device memory owned elsewhere (a buffer or an arena); valid while its owner is open.
 *
 * @param address
 *            device address of the first byte
 * @param byteSize
 *            length in bytes
 */
public record DeviceSlice(long address, long byteSize) implements DeviceMemory {}
