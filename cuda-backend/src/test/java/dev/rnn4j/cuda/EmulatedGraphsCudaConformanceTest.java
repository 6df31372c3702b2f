package dev.rnn4j.cuda;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.BackendProvider;

/**
 * The conformance suite on the cuda backend with CUDA graphs on ({@code -Drnn4j.cuda.graphs=true}: launches recorded
 * until the host next touches the stream, repeated batches captured and replayed, {@link LaunchGraphs}), against
 * the emulated CUDA driver ({@link EmulatedCuda}), which captures and replays graphs as the driver does.
 */
class EmulatedGraphsCudaConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        EmulatedCuda.load();
        return opening(new CudaBackendProvider(), options -> new CudaBackend(options, true, StepForm.FUSED, true));
    }
}
