package dev.rnn4j.cuda;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.spi.BackendProvider;

/**
 * The conformance suite on the cuda backend as it opens by default (cuBLAS, here its stand-in through the JNA
 * binding; the fused small-batch step), against the emulated CUDA driver ({@link EmulatedCuda}): the backend's host
 * code end to end without a GPU. {@link CudaConformanceTest} is the same suite on a real GPU.
 */
class EmulatedCudaConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        EmulatedCuda.load();
        return new CudaBackendProvider();
    }
}
