package dev.rnn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.OptimizerArgs;
import dev.rnn4j.spi.TrainingPrimitives;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;

/**
 * The training primitives of a backend against the reference backend's (plain formulas in double), on seeded
 * random inputs with the awkward parts in: padded rows, row strides wider than the rows, repeated and −1 ids,
 * several optimizer steps. Dropout masks must agree bit for bit (one hash everywhere).
 */
final class TrainingPrimitivesChecks {
    private final Backend backend;
    private final Tolerance tolerance;

    TrainingPrimitivesChecks(Backend backend, Tolerance tolerance) {
        this.backend = backend;
        this.tolerance = tolerance;
    }

    /** Buffers of one backend for one check: floats and ints by name, in creation order. */
    private static final class Side implements AutoCloseable {
        final Backend b;
        final List<DeviceBuffer> buffers = new ArrayList<>();

        Side(Backend b) {
            this.b = b;
        }

        DeviceBuffer floats(float[] v) {
            DeviceBuffer d = b.allocate(v.length);
            b.upload(v, 0, d, 0, v.length);
            buffers.add(d);
            return d;
        }

        DeviceBuffer ints(int[] v) {
            DeviceBuffer d = b.allocateInts(v.length);
            b.uploadInts(v, 0, d, 0, v.length);
            buffers.add(d);
            return d;
        }

        float[] read(DeviceBuffer d) {
            float[] v = new float[(int) d.size()];
            b.download(d, 0, v, 0, v.length);
            return v;
        }

        @Override
        public void close() {
            for (DeviceBuffer d : buffers) {
                d.close();
            }
        }
    }

    /** Runs {@code op} on this backend and the reference with the same inputs; compares the listed outputs. */
    private void compare(String what, Inputs in, BiConsumer<TrainingPrimitives, DeviceBuffer[]> op, int[] outputs,
                         boolean exact) {
        try (Backend ref = new ReferenceBackendProvider().open(BackendOptions.defaults());
             Side mine = new Side(backend); Side theirs = new Side(ref)) {
            DeviceBuffer[] a = in.load(mine);
            DeviceBuffer[] r = in.load(theirs);
            op.accept(backend.trainingPrimitives(), a);
            op.accept(ref.trainingPrimitives(), r);
            for (int o : outputs) {
                float[] got = mine.read(a[o]);
                float[] want = theirs.read(r[o]);
                if (exact) {
                    assertArrayEquals(want, got, what + " output " + o);
                    continue;
                }
                double[] w = new double[want.length];
                for (int i = 0; i < w.length; i++) {
                    w[i] = want[i];
                }
                String m = tolerance.compare(what + " output " + o, w, got);
                assertTrue(m == null, m);
            }
        }
    }

    /** The inputs of a check, as float and int arrays, loaded in order onto a side. */
    private static final class Inputs {
        final List<Object> arrays = new ArrayList<>();

        Inputs f(float[] v) {
            arrays.add(v);
            return this;
        }

        Inputs i(int[] v) {
            arrays.add(v);
            return this;
        }

        DeviceBuffer[] load(Side s) {
            DeviceBuffer[] out = new DeviceBuffer[arrays.size()];
            for (int k = 0; k < out.length; k++) {
                Object v = arrays.get(k);
                out[k] = v instanceof float[] f ? s.floats(f.clone()) : s.ints(((int[]) v).clone());
            }
            return out;
        }
    }

    static float[] random(Random r, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    void softmaxCrossEntropy() {
        Random r = new Random(11);
        int rows = 37;
        int classes = 65;
        int ld = 70;
        int[] targets = new int[rows];
        for (int k = 0; k < rows; k++) {
            targets[k] = k % 9 == 4 ? -1 : r.nextInt(classes);
        }
        compare("softmaxCrossEntropy", new Inputs().f(random(r, rows * ld, 6)).i(targets).f(new float[rows * ld])
                        .f(new float[rows]),
                (p, b) -> p.softmaxCrossEntropy(new MatrixRef(b[0], 0, ld), b[1], rows, classes, 1f / 33,
                        new MatrixRef(b[2], 0, ld), b[3]), new int[] {2, 3}, false);
    }

    void squaredError() {
        Random r = new Random(12);
        int rows = 23;
        int cols = 5;
        int[] mask = new int[rows];
        for (int k = 0; k < rows; k++) {
            mask[k] = k % 4 == 1 ? 0 : 1;
        }
        compare("squaredError", new Inputs().f(random(r, rows * 7, 2)).f(random(r, rows * cols, 2)).i(mask)
                        .f(new float[rows * 6]).f(new float[rows]),
                (p, b) -> p.squaredError(new MatrixRef(b[0], 1, 7), new MatrixRef(b[1], 0, cols), b[2], rows, cols,
                        0.25f, new MatrixRef(b[3], 0, 6), b[4]), new int[] {3, 4}, false);
    }

    void embeddings() {
        Random r = new Random(13);
        int rows = 40;
        int dim = 9;
        int vocab = 6;
        int[] ids = new int[rows];
        for (int k = 0; k < rows; k++) {
            ids[k] = k % 7 == 3 ? -1 : r.nextInt(vocab);
        }
        compare("gatherRows", new Inputs().f(random(r, vocab * dim, 1)).i(ids).f(random(r, rows * 11, 1)),
                (p, b) -> p.gatherRows(b[0], b[1], rows, dim, new MatrixRef(b[2], 2, 11)), new int[] {2}, true);
        compare("scatterAddRows", new Inputs().f(random(r, rows * 10, 1)).i(ids).f(random(r, vocab * dim, 1)),
                (p, b) -> p.scatterAddRows(new MatrixRef(b[0], 1, 10), b[1], rows, dim, b[2]), new int[] {2}, false);
    }

    void dropoutAndElementwise() {
        Random r = new Random(14);
        int n = 1000;
        compare("dropout", new Inputs().f(random(r, n + 3, 1)).f(new float[n + 5]).f(new float[n + 1]),
                (p, b) -> p.dropout(b[0], 3, b[1], 5, b[2], 1, n, 0.3f, 0x1234_5678_9abcL), new int[] {1, 2}, true);
        compare("multiply", new Inputs().f(random(r, n, 1)).f(random(r, n, 1)).f(new float[n + 2]),
                (p, b) -> p.multiply(b[0], 0, b[1], 0, b[2], 2, n), new int[] {2}, true);
        compare("scale", new Inputs().f(random(r, n, 1)), (p, b) -> p.scale(b[0], 10, n - 20, -0.5f), new int[] {0},
                true);
        compare("sumOfSquares", new Inputs().f(random(r, n, 1)).f(new float[9]),
                (p, b) -> p.sumOfSquares(b[0], 3, n - 3, b[1], 2, 7), new int[] {1}, false);
    }

    void optimizers() {
        Random r = new Random(15);
        int n = 300;
        for (OptimizerArgs.Kind kind : OptimizerArgs.Kind.values()) {
            for (boolean decoupled : new boolean[] {false, true}) {
                float[] w = random(r, n + 4, 1);
                float[][] grads = {random(r, n, 1), random(r, n, 1), random(r, n, 1)};
                compare("optimizer " + kind + (decoupled ? " decoupled" : ""), new Inputs().f(w).f(grads[0])
                                .f(grads[1]).f(grads[2]).f(new float[n]).f(new float[n]),
                        (p, b) -> {
                            OptimizerArgs a = new OptimizerArgs();
                            a.kind = kind;
                            a.n = n;
                            a.weights = b[0];
                            a.weightsOffset = 4;
                            a.state1 = b[4];
                            a.state2 = kind == OptimizerArgs.Kind.ADAM ? b[5] : null;
                            a.learningRate = 0.05f;
                            a.weightDecay = 0.01f;
                            a.decoupledWeightDecay = decoupled;
                            a.momentum = 0.9f;
                            for (int step = 1; step <= 3; step++) {
                                a.gradients = b[step];
                                a.step = step;
                                p.optimizerStep(a);
                            }
                        }, new int[] {0, 4, 5}, false);
            }
        }
    }
}
