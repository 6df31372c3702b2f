package dev.rnn4j.train;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;

/**
 * Inverted dropout: in training each value is kept with probability {@code 1 − p} and scaled by {@code 1/(1−p)},
 * from a counter-based hash of (seed, index), so a run with the same seeds repeats exactly on every backend; in
 * evaluation it passes values through.
 */
public final class Dropout implements AutoCloseable {
    private final Backend backend;
    private final float p;
    private final DeviceArray y;
    private final DeviceArray mask;
    private final DeviceArray dx;
    private long n;

    public Dropout(Backend backend, float p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        this.backend = backend;
        this.p = p;
        this.y = new DeviceArray(backend, false);
        this.mask = new DeviceArray(backend, false);
        this.dx = new DeviceArray(backend, false);
    }

    /** The dropped-out copy of {@code n} values (training), or {@code x} itself (evaluation, or p = 0). */
    public DeviceBuffer forward(DeviceBuffer x, long n, boolean training, long seed) {
        this.n = training && p > 0 ? n : 0;
        if (this.n == 0) {
            return x;
        }
        DeviceBuffer out = y.get(n);
        backend.trainingPrimitives().dropout(x, 0, out, 0, mask.get(n), 0, n, p, seed);
        return out;
    }

    /** The gradient through the last forward: {@code dy·mask}, or {@code dy} when it passed values through. */
    public DeviceBuffer backward(DeviceBuffer dy) {
        if (n == 0) {
            return dy;
        }
        DeviceBuffer g = dx.get(n);
        backend.trainingPrimitives().multiply(dy, 0, mask.get(n), 0, g, 0, n);
        return g;
    }

    @Override
    public void close() {
        y.close();
        mask.close();
        dx.close();
    }
}
