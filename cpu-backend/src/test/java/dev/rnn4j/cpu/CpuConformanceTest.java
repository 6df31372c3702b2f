package dev.rnn4j.cpu;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.spi.BackendProvider;

/** The conformance suite on the cpu backend; skipped with the probe's reason where it cannot run. */
class CpuConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new CpuBackendProvider();
    }
}
