package dev.rnn4j.opencl;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.spi.Availability;
import dev.rnn4j.spi.Backend;
import dev.rnn4j.spi.BackendOptions;
import dev.rnn4j.spi.BackendProvider;

/** The conformance suite on the opencl backend with its own tiled GEMM kernel (what runs where CLBlast cannot). */
class TiledGemmOpenClConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        OpenClBackendProvider real = new OpenClBackendProvider();
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
                return new OpenClBackend(options, false);
            }
        };
    }
}
