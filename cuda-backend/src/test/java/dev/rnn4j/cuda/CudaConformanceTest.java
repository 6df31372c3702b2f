package dev.rnn4j.cuda;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.spi.BackendProvider;

/**
 * The conformance suite on the cuda backend as it opens by default (cuBLAS where it loads, the fused small-batch
 * forward step); skipped with the probe's reason where it cannot run.
 */
class CudaConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new CudaBackendProvider();
    }
}
