package dev.rnn4j.cpu;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.spi.BackendProvider;

/** The conformance suite on the CPU backend's scalar twins (the path without the Vector API). */
class ScalarCpuConformanceTest extends BackendConformanceSuite {
    @Override
    protected BackendProvider provider() {
        return new CpuBackendProvider(true);
    }
}
