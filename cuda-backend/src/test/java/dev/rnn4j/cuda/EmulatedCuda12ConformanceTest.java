package dev.rnn4j.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.spi.BackendProvider;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite on the cuda backend's CUDA 12 path, GEMMs through JCublas 12.6 ({@link CublasGemm}),
 * against the emulated CUDA driver with cuBLAS's stand-in loaded as {@code libcublas.so.12}
 * ({@link EmulatedCuda#load(boolean)}; a surefire execution of its own).
 */
class EmulatedCuda12ConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        EmulatedCuda.load(true);
        return new CudaBackendProvider();
    }

    @Test
    void gemmsGoThroughJcublas() {
        String d = backend().device().description();
        assertTrue(d.contains("GEMM: cuBLAS 12 (JCublas 12.6)"), d);
    }
}
