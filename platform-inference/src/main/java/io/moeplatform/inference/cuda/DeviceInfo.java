package io.moeplatform.inference.cuda;

/**
 * What the driver says about a device.
 *
 * @param ordinal
 *            device index
 * @param name
 *            marketing name, e.g. "NVIDIA H100 80GB HBM3"
 * @param computeMajor
 *            compute capability, major
 * @param computeMinor
 *            compute capability, minor
 * @param multiprocessors
 *            SM count
 * @param totalMemoryBytes
 *            device memory
 * @param maxSharedMemoryPerBlockOptin
 *            shared memory a block may use after opting in
 * @param l2CacheBytes
 *            L2 cache size
 * @param driverVersion
 *            CUDA driver version, e.g. 13000
 */
public record DeviceInfo(int ordinal, String name, int computeMajor, int computeMinor, int multiprocessors,
        long totalMemoryBytes, int maxSharedMemoryPerBlockOptin, int l2CacheBytes, int driverVersion) {}
