package dev.rnn4j.opencl;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.BackendProvider;

/**
 * The conformance suite on the opencl backend with its own tiled GEMM kernel (what runs where CLBlast cannot) and
 * the recurrent GEMM and cell kept apart at every batch size (what runs on CPU drivers, or with
 * {@code -Drnn4j.kernels.stepForm=unfused}); {@link OpenClConformanceTest} runs CLBlast and the fused step.
 */
class TiledGemmOpenClConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return opening(new OpenClBackendProvider(), options -> new OpenClBackend(options, false, StepForm.UNFUSED));
    }
}
