package dev.rnn4j.internal.reference;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.DeviceInfo;
import dev.rnn4j.internal.host.HostBackend;
import dev.rnn4j.internal.host.HostBuffer;
import dev.rnn4j.spi.Availability;
import dev.rnn4j.spi.BackendProvider;

/** Provides the reference backend, which runs everywhere and is chosen by {@code auto} only when nothing else can run. */
public final class ReferenceBackendProvider implements BackendProvider {
    /** The name users select it by. */
    public static final String NAME = "reference";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability probe() {
        return Availability.available("plain Java on the heap (always available; slow by design)");
    }

    @Override
    public Backend open(BackendOptions options) {
        int index = options.deviceIndex();
        if (options.device() != null && index != 0) {
            throw new IllegalArgumentException("the reference backend has one device, 'reference:0'; got device '"
                    + options.device() + "'");
        }
        return new HostBackend(NAME, ReferenceBackendProvider::device, new ReferencePrimitives(),
                new ReferenceTrainingPrimitives(), HostBuffer::new);
    }

    private static DeviceInfo device() {
        Runtime rt = Runtime.getRuntime();
        return new DeviceInfo("Java heap (" + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.version") + ")", rt.maxMemory(), rt.availableProcessors(),
                "plain Java loops, double accumulation; the oracle, not a fast path");
    }
}
