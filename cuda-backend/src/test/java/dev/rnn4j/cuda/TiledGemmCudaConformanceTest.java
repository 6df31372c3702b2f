package dev.rnn4j.cuda;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.BackendProvider;

/**
 * The conformance suite on the cuda backend with its own tiled GEMM kernel (what runs on a CUDA-13-only machine,
 * where JCublas 12.6 cannot load) and the recurrent GEMM and cell kept apart at every batch size
 * ({@code -Drnn4j.kernels.stepForm=unfused}); {@link CudaConformanceTest} runs the fused small-batch step. Skipped
 * with the probe's reason where no GPU is.
 */
class TiledGemmCudaConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return opening(new CudaBackendProvider(), options -> new CudaBackend(options, false, StepForm.UNFUSED));
    }
}
