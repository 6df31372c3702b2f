package dev.rnn4j.cuda;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.BackendProvider;

/**
 * {@link TiledGemmCudaConformanceTest}'s configuration (the tiled GEMM kernel, unfused steps) against the emulated
 * CUDA driver ({@link EmulatedCuda}).
 */
class EmulatedTiledGemmCudaConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        EmulatedCuda.load();
        return opening(new CudaBackendProvider(), options -> new CudaBackend(options, false, StepForm.UNFUSED));
    }
}
