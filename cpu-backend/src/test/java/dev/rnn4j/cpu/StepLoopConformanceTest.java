package dev.rnn4j.cpu;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.spi.BackendProvider;

/**
 * The conformance suite with every layer direction's forward steps run as one step loop, however small the step
 * (the default takes the loop only where a step's GEMM is worth splitting, which the suite's small shapes are not),
 * on three threads, so that the hidden units split unevenly and some parts of small layers own none.
 */
class StepLoopConformanceTest extends BackendConformanceSuite {
    private static final BackendProvider PROVIDER = new CpuBackendProvider(3, 0);

    @Override
    protected BackendProvider provider() {
        return PROVIDER;
    }
}
