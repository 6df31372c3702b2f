package dev.rnn4j.cuda;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.BackendProvider;

/**
 * The conformance suite on the cuda backend with small-batch forward steps in the persistent form
 * ({@code recurrent_sequence} under a cooperative launch, W_hh in shared memory, a barrier across blocks between
 * steps; {@code -Drnn4j.kernels.stepForm=persistent}). Skipped with the probe's reason where no GPU is.
 */
class PersistentStepCudaConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return opening(new CudaBackendProvider(), options -> new CudaBackend(options, true, StepForm.PERSISTENT));
    }
}
