package dev.rnn4j.opencl;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.BackendProvider;

/**
 * The conformance suite on the opencl backend with CLBlast and the fused small-batch forward step (what a GPU
 * runs; forced here, since CPU drivers keep the step unfused by default); skipped with the probe's reason where
 * OpenCL cannot run.
 */
class OpenClConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return opening(new OpenClBackendProvider(), options -> new OpenClBackend(options, true, StepForm.FUSED));
    }
}
