package dev.rnn4j.cuda;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.spi.Availability;
import dev.rnn4j.spi.Backend;
import dev.rnn4j.spi.BackendOptions;
import dev.rnn4j.spi.BackendProvider;

/**
 * The conformance suite on the cuda backend with its own tiled GEMM kernel: what runs on a CUDA-13-only machine,
 * where JCublas 12.6 cannot load. Skipped with the probe's reason where no GPU is.
 */
class TiledGemmCudaConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        CudaBackendProvider real = new CudaBackendProvider();
        return new BackendProvider() {
            @Override
            public String name() {
                return real.name();
            }

            @Override
            public int priority() {
                return real.priority();
            }

            @Override
            public Availability probe() {
                return real.probe();
            }

            @Override
            public Backend open(BackendOptions options) {
                return new CudaBackend(options, false);
            }
        };
    }
}
