package dev.rnn4j.cpu;

import dev.rnn4j.conformance.BackendConformanceSuite;
import dev.rnn4j.spi.BackendProvider;

/**
 * The conformance suite on a pool of exactly two threads, whatever the machine has: the configuration in which the
 * two directions of a bidirectional layer run paired, one per thread (see {@code CpuPrimitives}).
 */
class TwoThreadCpuConformanceTest extends BackendConformanceSuite {
    private static final BackendProvider PROVIDER = new CpuBackendProvider(false, 2);

    @Override
    protected BackendProvider provider() {
        return PROVIDER;
    }
}
