package dev.rnn4j.opencl;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.spi.BackendProvider;

/** The conformance suite on the opencl backend; skipped with the probe's reason where it cannot run. */
class OpenClConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new OpenClBackendProvider();
    }
}
