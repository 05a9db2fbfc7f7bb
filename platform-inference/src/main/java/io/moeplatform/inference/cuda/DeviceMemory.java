package io.moeplatform.inference.cuda;

/** A range of device memory that kernels and copies can address: an owned buffer or a view into one. */
public sealed interface DeviceMemory permits DeviceBuffer, DeviceSlice {

    /** The device address ({@code CUdeviceptr}) of the first byte. */
    long address();

    long byteSize();

    /** A view of {@code bytes} bytes starting {@code offset} bytes in; the view does not own the memory. */
    default DeviceSlice slice(long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > byteSize()) {
            throw new IndexOutOfBoundsException(
                    "slice [" + offset + ", " + (offset + bytes) + ") outside " + byteSize() + " bytes");
        }
        return new DeviceSlice(address() + offset, bytes);
    }
}
