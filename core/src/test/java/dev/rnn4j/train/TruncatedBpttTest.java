package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TBPTT(k1, k2) against a direct construction of what each update must compute, on a twin model: the state at the
 * window's start from one forward over the whole prefix from zeros, then the gradients of the window with the older
 * steps' targets masked. With k2 at least the stream's length this is full BPTT of each chunk's loss.
 */
class TruncatedBpttTest {
    private static final int N = 11;
    private static final int B = 2;
    private static final int V = 5;

    static SequenceModel.Config config(CellType cell) {
        RnnSpec s = RnnSpec.builder(cell).inputSize(3).hiddenSize(4).layers(2).build();
        return new SequenceModel.Config(V, s, 0f, V, SequenceModel.Head.EVERY_STEP,
                SequenceModel.Loss.CROSS_ENTROPY, 7);
    }

    static SequenceModel.Batch stream() {
        Random r = new Random(3);
        int[] tokens = new int[N * B];
        int[] classes = new int[N * B];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(V);
            classes[i] = r.nextInt(V);
        }
        return new SequenceModel.Batch(N, B, tokens, null, null, classes, null);
    }

    @ParameterizedTest(name = "{0} k1={1} k2={2}")
    @CsvSource({"LSTM,3,3", "LSTM,3,7", "LSTM,2,100", "GRU,4,6", "RNN_TANH,1,5"})
    void everyUpdateHasTheGradientsOfItsWindowFromThePrefixState(CellType cell, int k1, int k2) {
        SequenceModel.Batch s = stream();
        try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
             SequenceModel model = new SequenceModel(backend, config(cell));
             SequenceModel twin = new SequenceModel(backend, config(cell));
             TruncatedBptt tbptt = new TruncatedBptt(model, k1, k2)) {
            tbptt.start(s);
            List<Integer> positions = new ArrayList<>();
            while (tbptt.hasNext()) {
                int p = tbptt.position();
                positions.add(p);
                double loss = tbptt.computeNextGradients();
                int end = Math.min(p + k1, N);
                assertEquals(end, tbptt.position());
                // The window holds the k2 - k1 steps before the chunk; a short last chunk keeps that start.
                int from = Math.max(0, p + k1 - k2);
                double expected = expectedGradients(backend, twin, s, from, p, end);
                assertEquals(expected, loss, 1e-6, "loss at " + p);
                List<TrainableTensor> got = model.trainableTensors();
                List<TrainableTensor> want = twin.trainableTensors();
                for (int t = 0; t < got.size(); t++) {
                    float[] g = download(backend, got.get(t).gradient(), got.get(t).size());
                    float[] w = download(backend, want.get(t).gradient(), want.get(t).size());
                    for (int i = 0; i < g.length; i++) {
                        assertEquals(w[i], g[i], 1e-5 + 1e-4 * Math.abs(w[i]),
                                got.get(t).name() + "[" + i + "] at position " + p);
                    }
                }
            }
            List<Integer> expectedPositions = new ArrayList<>();
            for (int p = 0; p < N; p += k1) {
                expectedPositions.add(p);
            }
            assertEquals(expectedPositions, positions);
            assertThrows(IllegalStateException.class, tbptt::computeNextGradients);
        }
    }

    @Test
    void theStreamsStateDoesNotLeakIntoOtherCalls() {
        SequenceModel.Batch s = stream();
        SequenceModel.Batch probe = slice(s, 0, 4, 0);
        try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
             SequenceModel model = new SequenceModel(backend, config(CellType.LSTM));
             SequenceModel twin = new SequenceModel(backend, config(CellType.LSTM));
             TruncatedBptt tbptt = new TruncatedBptt(model, 3, 5)) {
            tbptt.start(s);
            tbptt.computeNextGradients();
            tbptt.computeNextGradients();
            // No optimizer step: the weights are the twin's, so from zeros the losses agree.
            assertEquals(twin.evaluate(probe), model.evaluate(probe), 1e-9);
        }
    }

    /** The twin's gradients for the window [from, end) with loss on [lossFrom, end), from the state at from. */
    private static double expectedGradients(Backend backend, SequenceModel twin, SequenceModel.Batch s, int from,
                                            int lossFrom, int end) {
        DeviceBuffer h = null;
        DeviceBuffer c = null;
        try {
            if (from > 0) {
                twin.setInitialState(null, null);
                twin.predict(slice(s, 0, from, 0));
                DeviceBuffer[] fin = twin.finalStatesOnDevice();
                h = copy(backend, fin[0]);
                c = fin[1] == null ? null : copy(backend, fin[1]);
            }
            twin.setInitialState(h, c);
            return twin.computeGradients(slice(s, from, end, lossFrom));
        } finally {
            twin.setInitialState(null, null);
            if (h != null) {
                h.close();
            }
            if (c != null) {
                c.close();
            }
        }
    }

    private static SequenceModel.Batch slice(SequenceModel.Batch s, int from, int to, int lossFrom) {
        int[] classes = Arrays.copyOfRange(s.classes(), from * B, to * B);
        Arrays.fill(classes, 0, (lossFrom - from) * B, -1);
        return new SequenceModel.Batch(to - from, B, Arrays.copyOfRange(s.tokens(), from * B, to * B), null, null,
                classes, null);
    }

    private static DeviceBuffer copy(Backend backend, DeviceBuffer d) {
        DeviceBuffer out = backend.allocate(d.size());
        backend.primitives().copy(d, 0, out, 0, d.size());
        return out;
    }

    private static float[] download(Backend backend, DeviceBuffer d, long n) {
        float[] out = new float[(int) n];
        backend.download(d, 0, out, 0, out.length);
        return out;
    }

    @Test
    void trainingOnAStreamLowersItsLoss() {
        // A stream that repeats with period 4: predictable only from history.
        int[] tokens = new int[40 * B];
        int[] classes = new int[40 * B];
        for (int t = 0; t < 40; t++) {
            for (int b = 0; b < B; b++) {
                tokens[t * B + b] = (t + b) % 4;
                classes[t * B + b] = (t + b + 1) % 4;
            }
        }
        SequenceModel.Batch s = new SequenceModel.Batch(40, B, tokens, null, null, classes, null);
        try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
             SequenceModel model = new SequenceModel(backend, config(CellType.GRU));
             TruncatedBptt tbptt = new TruncatedBptt(model, 5, 10)) {
            Optimizer adam = Optimizer.adam(backend, 0.05f, 0f, false);
            double first = 0;
            double last = 0;
            for (int epoch = 0; epoch < 15; epoch++) {
                tbptt.start(s);
                double sum = 0;
                int n = 0;
                while (tbptt.hasNext()) {
                    sum += tbptt.trainNext(adam, 1.0);
                    n++;
                }
                if (epoch == 0) {
                    first = sum / n;
                }
                last = sum / n;
            }
            assertTrue(last < 0.3 * first, "loss " + first + " -> " + last);
        }
    }

    @Test
    void refusesWhatItCannotTrain() {
        try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
             SequenceModel model = new SequenceModel(backend, config(CellType.LSTM))) {
            assertThrows(IllegalArgumentException.class, () -> new TruncatedBptt(model, 0, 3));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new TruncatedBptt(model, 4, 3));
            assertTrue(e.getMessage().contains("k1=4, k2=3"), e.getMessage());
            try (TruncatedBptt t = new TruncatedBptt(model, 2, 3)) {
                assertFalse(t.hasNext());
                assertThrows(IllegalStateException.class, t::computeNextGradients);
                SequenceModel.Batch s = stream();
                assertThrows(IllegalArgumentException.class, () -> t.start(new SequenceModel.Batch(N, B, s.tokens(),
                        null, new int[] {N, N}, s.classes(), null)));
                assertThrows(IllegalArgumentException.class, () -> t.start(new SequenceModel.Batch(N, B,
                        Arrays.copyOf(s.tokens(), 3), null, null, s.classes(), null)));
                assertThrows(IllegalArgumentException.class, () -> t.start(new SequenceModel.Batch(N, B, s.tokens(),
                        null, null, null, null)));
            }
        }
        RnnSpec bi = RnnSpec.builder(CellType.GRU).inputSize(3).hiddenSize(4).bidirectional(true).build();
        RnnSpec uni = RnnSpec.builder(CellType.GRU).inputSize(3).hiddenSize(4).build();
        try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
             SequenceModel biModel = new SequenceModel(backend, new SequenceModel.Config(V, bi, 0f, V,
                     SequenceModel.Head.EVERY_STEP, SequenceModel.Loss.CROSS_ENTROPY, 1));
             SequenceModel lastStep = new SequenceModel(backend, new SequenceModel.Config(V, uni, 0f, V,
                     SequenceModel.Head.LAST_STEP, SequenceModel.Loss.CROSS_ENTROPY, 1))) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new TruncatedBptt(biModel, 2, 4))
                    .getMessage().contains("unidirectional"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new TruncatedBptt(lastStep, 2, 4))
                    .getMessage().contains("every step"));
        }
    }
}
