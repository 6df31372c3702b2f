package dev.rnn4j.bench;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import java.util.Random;

/**
 * What the serving layer is measured against: the same layer on the same backend called offline, one thread, the
 * whole batch at once, inputs uploaded and outputs downloaded with every call as a server would. Stateless: sequences
 * per second at a given batch. Streams: steps per second of one batch of every stream, its final states carried on
 * the device into the next call's initial states.
 */
final class OfflineBaseline {
    private OfflineBaseline() {
    }

    /** Sequences per second of forward calls at {@code [steps, batch]}, timed for about {@code nanos}. */
    static double sequencesPerSecond(Backend backend, RnnParameters weights, int steps, int batch, long nanos) {
        return batch * callsPerSecond(backend, weights, steps, batch, nanos, false);
    }

    /** Stream steps per second with {@code streams} streams fed {@code steps} steps per call. */
    static double streamStepsPerSecond(Backend backend, RnnParameters weights, int steps, int streams, long nanos) {
        return (double) streams * steps * callsPerSecond(backend, weights, steps, streams, nanos, true);
    }

    private static double callsPerSecond(Backend backend, RnnParameters weights, int steps, int batch, long nanos,
                                         boolean carryState) {
        RnnSpec spec = weights.spec();
        int inputs = Math.multiplyExact(steps * batch, spec.inputSize());
        int outputs = Math.multiplyExact(steps * batch, spec.outputSize());
        float[] x = new float[inputs];
        Random r = new Random(1);
        for (int i = 0; i < inputs; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        float[] y = new float[outputs];
        try (RecurrentLayer layer = RecurrentLayer.create(backend, spec, weights);
             DeviceBuffer input = backend.allocate(inputs)) {
            call(backend, layer, input, x, y, steps, batch, false); // the first call starts from zeros
            long warmEnd = System.nanoTime() + nanos / 3;
            do {
                call(backend, layer, input, x, y, steps, batch, carryState);
            } while (System.nanoTime() < warmEnd);
            long start = System.nanoTime();
            long calls = 0;
            long now;
            do {
                call(backend, layer, input, x, y, steps, batch, carryState);
                calls++;
                now = System.nanoTime();
            } while (now - start < nanos);
            return calls / ((now - start) / 1e9);
        }
    }

    private static void call(Backend backend, RecurrentLayer layer, DeviceBuffer input, float[] x, float[] y,
                             int steps, int batch, boolean carryState) {
        backend.upload(x, 0, input, 0, x.length);
        DeviceBuffer h0 = carryState ? layer.finalHiddenOnDevice() : null;
        DeviceBuffer c0 = carryState && layer.spec().cell().hasCellState() ? layer.finalCellOnDevice() : null;
        DeviceBuffer out = layer.forwardOnDevice(input, steps, batch, null, h0, c0);
        backend.download(out, 0, y, 0, y.length);
    }
}
