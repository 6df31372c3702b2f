package dev.rnn4j.cpu;

import dev.rnn4j.BackendUnavailableException;
import dev.rnn4j.spi.Availability;
import dev.rnn4j.spi.Backend;
import dev.rnn4j.spi.BackendOptions;
import dev.rnn4j.spi.BackendProvider;

/**
 * The Vector API CPU backend's provider. The backend itself (Vector-API GEMM, fused cells, threads) is the work of
 * issue #3; until it lands the probe says so plainly, together with whether the Vector API is readable in this JVM,
 * so {@code auto} skips it with that reason and an explicit request fails with it.
 */
public final class CpuBackendProvider implements BackendProvider {
    /** The name users select it by. */
    public static final String NAME = "cpu";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public Availability probe() {
        return Availability.unavailable("the Vector API CPU backend is not implemented in this build (issue #3); "
                + vectorApiStatus(), "use backend 'reference' (exact but slow) until it lands");
    }

    /** Whether {@code jdk.incubator.vector} is readable here, in words. */
    static String vectorApiStatus() {
        boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        return present ? "jdk.incubator.vector is readable"
                : "jdk.incubator.vector is not readable (start the JVM with --add-modules jdk.incubator.vector)";
    }

    @Override
    public Backend open(BackendOptions options) {
        throw BackendUnavailableException.of(NAME, probe());
    }
}
