package io.moeplatform.inference.engine;

/** Where the engine runs: {@code platform.inference.device}. */
public enum Device {
    /** CUDA when it is available, otherwise CPU (the reason is reported in the engine status). */
    AUTO, CPU, CUDA
}
