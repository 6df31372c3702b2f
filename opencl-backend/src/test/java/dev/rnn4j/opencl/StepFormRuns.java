package dev.rnn4j.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import java.util.Random;

/**
 * What the tests that run one layer in two step forms share ({@link FusedStepTest}, {@link PersistentStepTest}):
 * a random input with variable lengths and initial states, a forward pass with fixed weights, and the comparison
 * of two passes' outputs and final states.
 */
final class StepFormRuns {
    private StepFormRuns() {
    }

    /**
     * {@code steps} steps of {@code batch} sequences: Gaussian inputs, the first sequence full length and the others
     * of random lengths, Gaussian initial states (h0, and c0 = h0 for an LSTM) scaled by 0.5.
     */
    static RnnInput randomInput(RnnSpec spec, int steps, int batch, long seed) {
        Random r = new Random(seed);
        float[] x = new float[steps * batch * spec.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        int[] lengths = new int[batch];
        lengths[0] = steps;
        for (int b = 1; b < batch; b++) {
            lengths[b] = 1 + r.nextInt(steps);
        }
        float[] h0 = new float[spec.directions() * batch * spec.hiddenSize()];
        for (int i = 0; i < h0.length; i++) {
            h0[i] = (float) r.nextGaussian() * 0.5f;
        }
        return RnnInput.sequenceMajor(x, steps, batch).withLengths(lengths)
                .withInitialState(h0, spec.cell() == CellType.LSTM ? h0.clone() : null);
    }

    /** The layer's forward pass on {@code backend}, with the same weights every time. */
    static RnnOutput forward(Backend backend, RnnSpec spec, RnnInput in) {
        try (RecurrentLayer layer = RecurrentLayer.create(backend, spec, RnnParameters.uniform(spec, 7))) {
            return layer.forward(in);
        }
    }

    /** Outputs, h_n and (LSTM) c_n of {@code actual} within {@code tolerance} (absolute and relative) of the others. */
    static void assertSameResults(RnnOutput expected, RnnOutput actual, CellType cell, float tolerance, String what) {
        assertClose(expected.output(), actual.output(), tolerance, what + " outputs");
        assertClose(expected.hN(), actual.hN(), tolerance, what + " h_n");
        if (cell == CellType.LSTM) {
            assertClose(expected.cN(), actual.cN(), tolerance, what + " c_n");
        }
    }

    static void assertClose(float[] expected, float[] actual, float tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= tolerance + tolerance * Math.abs(expected[i]),
                    what + " [" + i + "]: expected " + expected[i] + ", got " + actual[i]);
        }
    }
}
