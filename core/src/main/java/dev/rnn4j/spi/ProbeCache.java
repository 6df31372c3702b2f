package dev.rnn4j.spi;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A probe run at most once, for providers that load native libraries. Held in a {@code static final} field it
 * caches per JVM rather than per provider instance: a native library that fails to load does so with its real
 * reason only the first time; later attempts see a bare {@link NoClassDefFoundError}.
 */
public final class ProbeCache {
    private final Supplier<Availability> probe;
    private Availability result;

    /** @param probe the probe; must not throw (turn failures into {@link Availability#unavailable}) */
    public ProbeCache(Supplier<Availability> probe) {
        this.probe = Objects.requireNonNull(probe);
    }

    /** The probe's result, running it on the first call. */
    public synchronized Availability get() {
        if (result == null) {
            result = probe.get();
        }
        return result;
    }
}
