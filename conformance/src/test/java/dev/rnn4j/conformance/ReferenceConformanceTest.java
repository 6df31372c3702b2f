package dev.rnn4j.conformance;

import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.spi.BackendProvider;

/** The reference backend (float storage, double sums, driven by the BPTT driver) against the independent oracle. */
class ReferenceConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new ReferenceBackendProvider();
    }
}
