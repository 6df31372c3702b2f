package dev.rnn4j;

import java.util.Objects;

/**
 * One batch of input sequences: {@code x} in {@code layout} ({@code [T, B, I]} or {@code [B, T, I]}), optional
 * per-sequence lengths and optional initial states {@code h0}/{@code c0} of shape {@code [L·D, B, H]}.
 *
 * <p>Lengths follow PyTorch's packed-sequence semantics: any order, each in 1..T; outputs past a sequence's length
 * are zero, its final state is the state at its last valid step, the reverse direction starts at its own last
 * step. Absent lengths mean every sequence has length T; absent states are zero.
 *
 * <p>Arrays are referenced, not copied: do not change them while a call that uses them runs. Shapes are checked
 * against the layer's spec when the input is used.
 */
public final class RnnInput {
    private final float[] x;
    private final Layout layout;
    private final int steps;
    private final int batch;
    private final int[] lengths;
    private final float[] h0;
    private final float[] c0;

    private RnnInput(float[] x, Layout layout, int steps, int batch, int[] lengths, float[] h0, float[] c0) {
        this.x = Objects.requireNonNull(x, "input x must not be null");
        this.layout = Objects.requireNonNull(layout, "layout must not be null");
        if (steps <= 0) {
            throw new IllegalArgumentException("steps T must be > 0, got " + steps);
        }
        if (batch <= 0) {
            throw new IllegalArgumentException("batch B must be > 0, got " + batch);
        }
        this.steps = steps;
        this.batch = batch;
        this.lengths = lengths;
        this.h0 = h0;
        this.c0 = c0;
        if (lengths != null) {
            if (lengths.length != batch) {
                throw new IllegalArgumentException("lengths has " + lengths.length + " entries, expected one per "
                        + "sequence (B = " + batch + ")");
            }
            for (int b = 0; b < batch; b++) {
                if (lengths[b] < 1 || lengths[b] > steps) {
                    throw new IllegalArgumentException("lengths[" + b + "] = " + lengths[b]
                            + " is out of range; each length must be in 1.." + steps + " (T)");
                }
            }
        }
    }

    /** Sequences in time-major order {@code [T, B, I]}. */
    public static RnnInput sequenceMajor(float[] x, int steps, int batch) {
        return new RnnInput(x, Layout.SEQUENCE_MAJOR, steps, batch, null, null, null);
    }

    /** Sequences in batch-major order {@code [B, T, I]}. */
    public static RnnInput batchMajor(float[] x, int batch, int steps) {
        return new RnnInput(x, Layout.BATCH_MAJOR, steps, batch, null, null, null);
    }

    /** The same input with per-sequence lengths (any order, each in 1..T); null means all T. */
    public RnnInput withLengths(int[] lengths) {
        return new RnnInput(x, layout, steps, batch, lengths == null ? null : lengths.clone(), h0, c0);
    }

    /**
     * The same input with initial states: {@code h0 [L·D, B, P]} (P = {@link RnnSpec#stateSize()}, H without a
     * projection) and, LSTM only, {@code c0 [L·D, B, H]}; nulls mean zeros.
     */
    public RnnInput withInitialState(float[] h0, float[] c0) {
        return new RnnInput(x, layout, steps, batch, lengths, h0, c0);
    }

    /** The input values. */
    public float[] x() {
        return x;
    }

    /** The memory order of {@link #x()}. */
    public Layout layout() {
        return layout;
    }

    /** Padded sequence length T. */
    public int steps() {
        return steps;
    }

    /** Number of sequences B. */
    public int batch() {
        return batch;
    }

    /** Per-sequence lengths, or null when all are T. */
    public int[] lengths() {
        return lengths == null ? null : lengths.clone();
    }

    /** Length of sequence {@code b}. */
    public int length(int b) {
        return lengths == null ? steps : lengths[b];
    }

    /** Initial hidden state or null. */
    public float[] h0() {
        return h0;
    }

    /** Initial cell state (LSTM) or null. */
    public float[] c0() {
        return c0;
    }
}
