package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * With {@code -Drnn4j.cpu.batchInvariant=true} and exact activations, a sequence's outputs and final states have
 * the same bits whatever batch it runs in and wherever in the batch it sits: what lets a serving session promise
 * each stream exactly its results run alone. Runs in the exact-activations execution (exact activations); the property
 * is set around the backend's opening, when the GEMM reads it.
 */
class BatchInvarianceTest {
    private static final int[] BATCHES = {1, 2, 3, 5, 8, 9, 17, 40};

    private static Backend openBatchInvariant() {
        String before = System.getProperty(CpuBackendProvider.BATCH_INVARIANT_PROPERTY);
        System.setProperty(CpuBackendProvider.BATCH_INVARIANT_PROPERTY, "true");
        try {
            return new CpuBackendProvider().open(BackendOptions.defaults());
        } finally {
            if (before == null) {
                System.clearProperty(CpuBackendProvider.BATCH_INVARIANT_PROPERTY);
            } else {
                System.setProperty(CpuBackendProvider.BATCH_INVARIANT_PROPERTY, before);
            }
        }
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    @Test
    void aSequenceHasTheSameBitsInEveryBatch() {
        assumeTrue(VectorCells.EXACT, "needs -Drnn4j.cpu.activations=exact (the exact-activations execution)");
        try (Backend cpu = openBatchInvariant()) {
            assertTrue(cpu.device().description().contains("batch-invariant"), cpu.device().description());
            check(cpu, new RnnSpec(CellType.LSTM, 24, 37, 2, false, true));
            check(cpu, new RnnSpec(CellType.LSTM, 256, 256, 2, false, true));
            check(cpu, new RnnSpec(CellType.GRU, 40, 64, 1, false, true));
            check(cpu, new RnnSpec(CellType.RNN_TANH, 96, 130, 1, false, true));
        }
    }

    private static void check(Backend cpu, RnnSpec spec) {
        int steps = 6;
        Random r = new Random(spec.hiddenSize());
        RnnParameters weights = RnnParameters.uniform(spec, 11);
        float[] x = random(r, steps * spec.inputSize());
        float[] h0 = random(r, spec.hiddenStateFloats(1));
        float[] c0 = spec.cell().hasCellState() ? random(r, spec.cellStateFloats(1)) : null;
        try (RecurrentLayer layer = RecurrentLayer.create(cpu, spec, weights)) {
            RnnOutput alone = layer.forward(RnnInput.batchMajor(x, 1, steps).withInitialState(h0, c0));
            for (int batch : BATCHES) {
                int row = batch / 2;
                int I = spec.inputSize();
                float[] xs = random(r, batch * steps * I);
                System.arraycopy(x, 0, xs, row * steps * I, steps * I);
                int[] lengths = new int[batch];
                for (int b = 0; b < batch; b++) {
                    lengths[b] = b == row ? steps : 1 + r.nextInt(steps);
                }
                float[] hs = random(r, spec.hiddenStateFloats(batch));
                float[] cs = c0 == null ? null : random(r, spec.cellStateFloats(batch));
                place(h0, hs, spec.stateLayers(), batch, row, spec.stateSize());
                place(c0, cs, spec.stateLayers(), batch, row, spec.hiddenSize());
                RnnOutput out = layer.forward(RnnInput.batchMajor(xs, batch, steps).withLengths(lengths)
                        .withInitialState(hs, cs));
                int O = spec.outputSize();
                String at = spec + " at row " + row + " of " + batch;
                assertArrayEquals(alone.output(), Arrays.copyOfRange(out.output(), row * steps * O,
                        (row + 1) * steps * O), "outputs of " + at);
                assertArrayEquals(alone.hN(), pick(out.hN(), spec.stateLayers(), batch, row, spec.stateSize()),
                        "final h of " + at);
                if (c0 != null) {
                    assertArrayEquals(alone.cN(), pick(out.cN(), spec.stateLayers(), batch, row, spec.hiddenSize()),
                            "final c of " + at);
                }
            }
        }
    }

    private static void place(float[] one, float[] all, int layers, int batch, int row, int width) {
        if (one == null) {
            return;
        }
        for (int l = 0; l < layers; l++) {
            System.arraycopy(one, l * width, all, (l * batch + row) * width, width);
        }
    }

    private static float[] pick(float[] all, int layers, int batch, int row, int width) {
        float[] one = new float[layers * width];
        for (int l = 0; l < layers; l++) {
            System.arraycopy(all, (l * batch + row) * width, one, l * width, width);
        }
        return one;
    }
}
