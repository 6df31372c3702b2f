package dev.rnn4j.kernels;

import dev.rnn4j.Activation;
import dev.rnn4j.spi.StepConfig;

/**
 * The device form of a {@link StepConfig}: one int per field, floats as their raw bits, in this enum's order. A
 * backend uploads it once per configuration (and per mode: a training pass keeps a reserve, an inference pass does
 * not) and passes the step kernels that one buffer; the kernels read it into a {@code step_cfg} struct by the
 * {@code CFG_} indices {@link KernelCodes} generates from this enum.
 */
public enum StepConfigWords {
    CELL, HIDDEN, STATE_SIZE, GATE_ROWS, HAS_BIAS, HAS_PEEP, INPUT_FORGET, CLIP, CELL_CLIP, ORIGINAL_GRU, PROJECTED,
    F0, A0, B0, F1, A1, B1, F2, A2, B2, KEEP_PRE, RESERVE_WIDTH, FLAGS_AT, PRES_AT, TRAINING;

    /** The words of {@code c} for a training pass (which keeps a reserve) or an inference one. */
    public static int[] of(StepConfig c, boolean training) {
        int[] w = new int[values().length];
        w[CELL.ordinal()] = c.cell().ordinal();
        w[HIDDEN.ordinal()] = c.hidden();
        w[STATE_SIZE.ordinal()] = c.stateSize();
        w[GATE_ROWS.ordinal()] = c.gateRows();
        w[HAS_BIAS.ordinal()] = flag(c.bias());
        w[HAS_PEEP.ordinal()] = flag(c.peepholes());
        w[INPUT_FORGET.ordinal()] = flag(c.inputForget());
        w[CLIP.ordinal()] = Float.floatToRawIntBits(c.clip());
        w[CELL_CLIP.ordinal()] = Float.floatToRawIntBits(c.cellClip());
        w[ORIGINAL_GRU.ordinal()] = flag(c.originalGru());
        w[PROJECTED.ordinal()] = flag(c.projected());
        StepConfigWords[][] slots = {{F0, A0, B0}, {F1, A1, B1}, {F2, A2, B2}};
        for (int s = 0; s < slots.length; s++) {
            Activation a = c.activation(s);
            w[slots[s][0].ordinal()] = a.function().ordinal();
            w[slots[s][1].ordinal()] = Float.floatToRawIntBits(a.alpha());
            w[slots[s][2].ordinal()] = Float.floatToRawIntBits(a.beta());
        }
        w[KEEP_PRE.ordinal()] = flag(c.onnxActivations());
        w[RESERVE_WIDTH.ordinal()] = c.reserveWidth();
        w[FLAGS_AT.ordinal()] = c.flagsAt();
        w[PRES_AT.ordinal()] = c.preActivationsAt();
        w[TRAINING.ordinal()] = flag(training);
        return w;
    }

    private static int flag(boolean b) {
        return b ? 1 : 0;
    }
}
