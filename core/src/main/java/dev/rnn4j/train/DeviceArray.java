package dev.rnn4j.train;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;

/**
 * A device buffer that grows to the largest size asked of it and is otherwise reused: the activations and
 * gradients of the training layers, planned by the shapes that arrive, never allocated per step once they fit.
 */
final class DeviceArray implements AutoCloseable {
    private final Backend backend;
    private final boolean ints;
    private DeviceBuffer buffer;

    DeviceArray(Backend backend, boolean ints) {
        this.backend = backend;
        this.ints = ints;
    }

    /** A buffer of at least {@code n} elements (contents undefined after growing). */
    DeviceBuffer get(long n) {
        if (buffer == null || buffer.size() < n) {
            if (buffer != null) {
                buffer.close();
                buffer = null;
            }
            buffer = ints ? backend.allocateInts(Math.max(1, n)) : backend.allocate(Math.max(1, n));
        }
        return buffer;
    }

    @Override
    public void close() {
        if (buffer != null) {
            buffer.close();
            buffer = null;
        }
    }
}
