package dev.rnn4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every public entry point rejects bad input with a message saying what was expected and what came. */
class ValidationTest {
    private final RnnSpec lstm = new RnnSpec(CellType.LSTM, 3, 4, 2, true, true);
    private Backend backend;
    private RecurrentLayer layer;

    @BeforeEach
    void open() {
        backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
        layer = RecurrentLayer.create(backend, lstm, RnnParameters.uniform(lstm, 1));
    }

    @AfterEach
    void close() {
        layer.close();
        backend.close();
    }

    private static void rejects(String fragment, Executable e) {
        Throwable t = assertThrows(RuntimeException.class, e);
        assertTrue(t.getMessage().contains(fragment), "message '" + t.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void specSizesMustBePositive() {
        rejects("inputSize must be > 0, got 0", () -> new RnnSpec(CellType.GRU, 0, 4, 1, false, true));
        rejects("hiddenSize must be > 0, got -2", () -> new RnnSpec(CellType.GRU, 3, -2, 1, false, true));
        rejects("layers must be > 0, got 0", () -> RnnSpec.builder(CellType.GRU).inputSize(3).hiddenSize(4).layers(0).build());
        rejects("inputSize must be > 0, got -1", () -> RnnSpec.builder(CellType.GRU).hiddenSize(4).build());
        rejects("exceeds 2^31 - 1", () -> new RnnSpec(CellType.LSTM, 1 << 20, 1 << 12, 1, false, true));
        rejects("expected one of RNN_TANH, RNN_RELU, LSTM, GRU", () -> CellType.parse("lstm2"));
        assertEquals(CellType.RNN_RELU, CellType.parse("rnn_relu"));
        rejects("layer 2 out of range 0..1", () -> lstm.layerInputSize(2));
        rejects("peepholes are an LSTM feature; GRU has none", () -> new RnnSpec(CellType.GRU, 3, 4, 1, false, true,
                new CellVariant(true, false)));
        rejects("input_forget is an LSTM feature; RNN_TANH has none", () -> RnnSpec.builder(CellType.RNN_TANH)
                .inputSize(2).hiddenSize(3).inputForget(true).build());
        rejects("clip must be a finite value >= 0 (0 = no clipping), got -1.0", () -> CellVariant.clipped(-1f));
        rejects("clip must be a finite value >= 0 (0 = no clipping), got NaN", () -> CellVariant.clipped(Float.NaN));
        rejects("cell clipping is an LSTM feature; GRU has none", () -> RnnSpec.builder(CellType.GRU).inputSize(2)
                .hiddenSize(3).cellClip(1f).build());
        rejects("linearAfterReset (ONNX linear_before_reset = 0) is a GRU feature; LSTM has no reset gate",
                () -> RnnSpec.builder(CellType.LSTM).inputSize(2).hiddenSize(3).linearAfterReset(true).build());
        assertEquals(true, RnnSpec.builder(CellType.GRU).inputSize(2).hiddenSize(3).linearAfterReset(true).build()
                .linearAfterReset());
        assertEquals(true, RnnSpec.builder(CellType.LSTM).inputSize(2).hiddenSize(3).peepholes(true).build()
                .peepholes());
    }

    @Test
    void inputShapesAndLengthsAreChecked() {
        rejects("steps T must be > 0", () -> RnnInput.sequenceMajor(new float[0], 0, 2));
        rejects("batch B must be > 0", () -> RnnInput.batchMajor(new float[0], 0, 2));
        rejects("lengths[1] = 6 is out of range; each length must be in 1..5",
                () -> RnnInput.sequenceMajor(new float[30], 5, 2).withLengths(new int[] {5, 6}));
        rejects("lengths[0] = 0 is out of range",
                () -> RnnInput.sequenceMajor(new float[30], 5, 2).withLengths(new int[] {0, 1}));
        rejects("lengths has 3 entries, expected one per sequence (B = 2)",
                () -> RnnInput.sequenceMajor(new float[30], 5, 2).withLengths(new int[] {1, 2, 3}));
        rejects("input x has 29 values; expected [T=5, B=2, I=3] = 30",
                () -> layer.forward(RnnInput.sequenceMajor(new float[29], 5, 2)));
        rejects("expected [B=2, T=5, I=3] = 30", () -> layer.forward(RnnInput.batchMajor(new float[31], 2, 5)));
        rejects("h0 has 10 values; expected 32",
                () -> layer.forward(RnnInput.sequenceMajor(new float[30], 5, 2).withInitialState(new float[10], null)));
        rejects("c0 [L·D, B, H] has 1 values; expected 32",
                () -> layer.forward(RnnInput.sequenceMajor(new float[30], 5, 2).withInitialState(null, new float[1])));
    }

    @Test
    void cellStateOnlyForLstm() {
        RnnSpec gru = new RnnSpec(CellType.GRU, 3, 4, 1, false, true);
        try (RecurrentLayer g = RecurrentLayer.create(backend, gru, RnnParameters.uniform(gru, 2))) {
            rejects("c0 was given but GRU has no cell state",
                    () -> g.forward(RnnInput.sequenceMajor(new float[6], 2, 1).withInitialState(null, new float[4])));
        }
    }

    @Test
    void weightsMustMatchTheSpecAndBeFinite() {
        RnnSpec other = new RnnSpec(CellType.LSTM, 3, 5, 2, true, true);
        rejects("weights are for", () -> RecurrentLayer.create(backend, lstm, RnnParameters.uniform(other, 1)));
        RnnParameters bad = RnnParameters.uniform(lstm, 1);
        bad.get("weight_hh_l1_reverse")[7] = Float.NaN;
        rejects("parameter weight_hh_l1_reverse holds NaN at flat index 7", () -> RecurrentLayer.create(backend, lstm, bad));
        rejects("parameter weight_hh_l1_reverse holds NaN", () -> layer.setWeights(bad));
        RnnParameters inf = RnnParameters.uniform(lstm, 1);
        inf.get("bias_ih_l0")[0] = Float.POSITIVE_INFINITY;
        rejects("bias_ih_l0 holds Infinity", () -> layer.setWeights(inf));
        rejects("no parameter 'weight_hr_l0'", () -> inf.get("weight_hr_l0"));
        rejects("expected 48 values [16, 3], got 2", () -> inf.set("weight_ih_l0", new float[2]));
    }

    @Test
    void backwardNeedsATrainingForwardAndMatchingGradients() {
        rejects("backwardData needs a forwardTraining call first",
                () -> layer.backwardData(new OutputGradients(null, null, null)));
        layer.forward(RnnInput.sequenceMajor(new float[30], 5, 2));
        rejects("backwardData needs a forwardTraining call first",
                () -> layer.backwardData(new OutputGradients(null, null, null)));
        rejects("backwardWeights needs forwardTraining and backwardData first", () -> layer.backwardWeights(false));
        rejects("no gradients yet", layer::gradients);
        layer.forwardTraining(RnnInput.sequenceMajor(new float[30], 5, 2));
        rejects("backwardWeights needs forwardTraining and backwardData first", () -> layer.backwardWeights(false));
        rejects("gradOutput has 3 values; expected 80",
                () -> layer.backwardData(new OutputGradients(new float[3], null, null)));
        rejects("gradCn [L·D, B, H] has 2 values; expected 32",
                () -> layer.backwardData(new OutputGradients(null, null, new float[2])));
        // All-null upstream gradients are zeros: every gradient is zero.
        LayerGradients g = layer.backward(new OutputGradients(null, null, null));
        for (float v : g.inputs().gradInput()) {
            assertEquals(0f, v);
        }
    }

    /** A device with room for {@code limit} floats per allocation. */
    static final class SmallDevice extends DelegatingBackend {
        final long limit;

        SmallDevice(long limit) {
            this.limit = limit;
        }

        @Override
        public dev.rnn4j.DeviceBuffer allocate(long floats) {
            if (floats > limit) {
                throw new DeviceOutOfMemoryException(floats * 4, "test device: " + floats + " floats requested, "
                        + limit + " fit", null);
            }
            return super.allocate(floats);
        }
    }

    @Test
    void deviceOutOfMemoryIsReportedAndTheLayerStaysUsable() {
        RnnSpec s = new RnnSpec(CellType.LSTM, 2, 8, 1, false, true);
        try (SmallDevice device = new SmallDevice(4 * 8 * 100);
             RecurrentLayer l = RecurrentLayer.create(device, s, RnnParameters.uniform(s, 4))) {
            float[] x = new float[3 * 2 * 2];
            RnnOutput small = l.forwardTraining(RnnInput.sequenceMajor(x, 3, 2));
            // [T·B, 4H] gate projections of 101 rows do not fit: the error says so, the layer stays usable.
            DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
                    () -> l.forwardTraining(RnnInput.sequenceMajor(new float[101 * 2], 101, 1)));
            assertTrue(e.getMessage().contains("floats requested"), e.getMessage());
            rejects("backwardData needs a forwardTraining call first",
                    () -> l.backwardData(new OutputGradients(null, null, null)));
            RnnOutput again = l.forwardTraining(RnnInput.sequenceMajor(x, 3, 2));
            assertEquals(java.util.Arrays.toString(small.hN()), java.util.Arrays.toString(again.hN()));
            l.backward(new OutputGradients(null, new float[16], null));
            assertThrows(DeviceOutOfMemoryException.class,
                    () -> l.forward(RnnInput.sequenceMajor(new float[101 * 2], 101, 1)));
            assertEquals(java.util.Arrays.toString(small.hN()),
                    java.util.Arrays.toString(l.forward(RnnInput.sequenceMajor(x, 3, 2)).hN()));
        }
    }

    @Test
    void referenceBackendReportsAllocationsItCannotHold() {
        DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
                () -> backend.allocate(Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("use a smaller batch or sequence length"), e.getMessage());
        assertEquals(4L * Integer.MAX_VALUE, e.requestedBytes());
        rejects("buffer size must be >= 0", () -> backend.allocate(-1));
    }

    @Test
    void useAfterCloseFailsClearly() {
        layer.close();
        layer.close(); // idempotent
        rejects("RecurrentLayer used after close", () -> layer.forward(RnnInput.sequenceMajor(new float[30], 5, 2)));
        backend.close();
        rejects("used after close", () -> backend.allocate(4));
    }

    @Test
    void copiesShareWeightsAndOutliveTheOriginal() {
        float[] x = new float[30];
        java.util.Arrays.fill(x, 0.5f);
        RnnOutput before = layer.forward(RnnInput.sequenceMajor(x, 5, 2));
        RecurrentLayer copy = layer.copy();
        layer.close();
        RnnOutput after = copy.forward(RnnInput.sequenceMajor(x, 5, 2));
        assertEquals(java.util.Arrays.toString(before.output()), java.util.Arrays.toString(after.output()));
        copy.close();
        layer = RecurrentLayer.create(backend, lstm, RnnParameters.uniform(lstm, 1));
    }
}
