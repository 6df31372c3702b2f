package dev.rnn4j.cuda;

import org.junit.jupiter.api.BeforeAll;

/**
 * {@link CudaTransfersTest} against the emulated CUDA driver ({@link EmulatedCuda}), whose queued copies land only
 * when the host waits: a half refilled before its copy ran, or read before its copy landed, shows in the data.
 */
class EmulatedCudaTransfersTest extends CudaTransfersTest {
    @BeforeAll
    @Override
    void needsGpu() {
        EmulatedCuda.load();
        super.needsGpu();
    }
}
