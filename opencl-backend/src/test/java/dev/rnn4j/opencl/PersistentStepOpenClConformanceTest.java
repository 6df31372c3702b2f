package dev.rnn4j.opencl;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.BackendProvider;

/**
 * The conformance suite on the opencl backend with small-batch forward steps in the persistent form
 * ({@code recurrent_sequence}, the kernel CUDA runs under a cooperative launch): on PoCL the suite's layers fit one
 * work-group, so every step of a layer direction runs in one launch, through the kernel's loop over steps.
 * {@link PersistentStepTest} covers layers split across groups.
 */
class PersistentStepOpenClConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return opening(new OpenClBackendProvider(), options -> new OpenClBackend(options, true, StepForm.PERSISTENT));
    }
}
