package dev.rnn4j.cuda;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.BackendProvider;

/**
 * {@link PersistentStepCudaConformanceTest}'s configuration (recurrent_sequence under a cooperative launch, the
 * barrier between blocks) against the emulated CUDA driver ({@link EmulatedCuda}), which runs every block of such
 * a launch on a thread of its own.
 */
class EmulatedPersistentStepCudaConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        EmulatedCuda.load();
        return opening(new CudaBackendProvider(), options -> new CudaBackend(options, true, StepForm.PERSISTENT));
    }
}
