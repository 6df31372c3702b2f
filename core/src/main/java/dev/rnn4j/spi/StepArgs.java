package dev.rnn4j.spi;

import dev.rnn4j.CellType;

/**
 * The arguments of one fused cell step, as a reusable block: the BPTT driver fills one per pass and changes only
 * the offsets from step to step, so the per-step loop allocates nothing. Buffers are float buffers with
 * contiguous rows unless said otherwise; G·H is {@code gates × hidden}. Row b is valid at this step when
 * {@code step < lengths[b]}.
 *
 * <p>Forward reads {@code gx, gh, bhh, hPrev, cPrev} and writes {@code hNext, cNext, reserve}. Backward reads
 * {@code reserve, hPrev, cPrev, hNext, cNext, dy, dh, dc} and writes {@code dGatesX, dGatesH, dhPrev, dc}.
 */
public final class StepArgs {
    /** Rows in the batch, B. */
    public int batch;
    /** Hidden size, H. */
    public int hidden;
    /** Processing step s, compared with {@link #lengths}. */
    public int step;
    /** {@code [B]} INT32 sequence lengths. */
    public DeviceBuffer lengths;

    /** {@code [B, G·H]} input projection {@code x·W_ihᵀ + b_ih} of this step. */
    public DeviceBuffer gx;
    public long gxOffset;
    /** {@code [B, G·H]} recurrent projection {@code h_prev·W_hhᵀ} (without bias). */
    public DeviceBuffer gh;
    public long ghOffset;
    /** {@code [G·H]} recurrent bias b_hh, or null when the layer has no bias. */
    public DeviceBuffer bhh;
    public long bhhOffset;

    /**
     * {@code [3·H]} LSTM peephole weights {@code p_i, p_f, p_o}, or null: i and f then also see {@code p ⊙ c_{t−1}},
     * o sees {@code p_o ⊙ c_t}; backward adds their paths to {@code dc}.
     */
    public DeviceBuffer peephole;
    public long peepholeOffset;

    /** LSTM: ONNX's input_forget, f = 1 − i (the forget gate's pre-activation is ignored, its gradient zero). */
    public boolean inputForget;
    /**
     * ONNX's clip, or 0: every gate pre-activation is clamped to [−clip, clip] before its activation; forward then
     * keeps, after the usual reserve, one float per gate (1 passed, 0 clamped) that backward multiplies in.
     */
    public float clip;
    /**
     * LSTM, cuDNN's cell clipping, or 0: c_t is clamped to [−cellClip, cellClip]; backward stops the gradient where
     * the stored c_t sits at a bound (no flag needed: a clamped c_t equals the bound exactly).
     */
    public float cellClip;

    /**
     * GRU in its original form (ONNX's {@code linear_before_reset = 0}): n sees {@code W_hn (r ⊙ h_prev) + b_hn}, so a
     * step is two GEMMs around {@link Primitives#gruResetForward} (and backward likewise around
     * {@link Primitives#gruResetBackward}); gh's n column holds {@code (r ⊙ h_prev)·W_hnᵀ}, without bias.
     */
    public boolean linearAfterReset;
    /**
     * Original-form GRU: {@code [B, H]} rows of {@code r ⊙ h_prev}, {@link #rhStride} floats apart; written by
     * {@link Primitives#gruResetForward}, the A operand of the n column's GEMM. In training it is the reserve's
     * fourth block, which backward-weights reads for {@code dW_hn}.
     */
    public DeviceBuffer rh;
    public long rhOffset;
    public int rhStride;
    /** Original-form GRU, backward: {@code [B, H]} gradient of {@code r ⊙ h_prev}, i.e. {@code dn_pre·W_hn}. */
    public DeviceBuffer drh;
    public long drhOffset;

    /**
     * LSTM with a projection: {@link #hNext} receives {@code m = o ⊙ tanh(c_t)} ({@code [B, H]}), which the driver's
     * projection GEMM turns into h_t; rows past their length write m = 0 there (the driver carries h itself), and
     * {@link #hPrev} ({@code [B, P]}) is not read. In backward, {@link #dh} is the gradient of m and {@link #dhPrev}
     * a scratch the step may write.
     */
    public boolean projected;

    /**
     * ONNX's activations for this direction ({@link dev.rnn4j.CellVariant#activations}: RNN f; LSTM f, g, h; GRU
     * f, g), or null for the cell's own. With them, forward keeps each gate's pre-activation (after clip) in the
     * reserve, after the clip flags ({@link #preActivationsAt}), and backward takes the derivatives there.
     */
    public dev.rnn4j.Activation[] activations;

    /** {@code [B, H]} previous hidden state. */
    public DeviceBuffer hPrev;
    public long hPrevOffset;
    /** {@code [B, H]} previous cell state (LSTM). */
    public DeviceBuffer cPrev;
    public long cPrevOffset;
    /** {@code [B, H]} new hidden state. */
    public DeviceBuffer hNext;
    public long hNextOffset;
    /** {@code [B, H]} new cell state (LSTM). */
    public DeviceBuffer cNext;
    public long cNextOffset;
    /** {@code [B, reserveWidth]} saved activations for backward; null in inference. */
    public DeviceBuffer reserve;
    public long reserveOffset;

    /** {@code [B, H]} gradient arriving from this step's output, or null. */
    public DeviceBuffer dy;
    public long dyOffset;
    /** {@code [B, H]} gradient of this step's hidden state carried from later steps. */
    public DeviceBuffer dh;
    public long dhOffset;
    /** {@code [B, H]} gradient of this step's cell state; overwritten with the previous cell state's (LSTM). */
    public DeviceBuffer dc;
    public long dcOffset;
    /** {@code [B, H]} output: the part of the previous hidden state's gradient not going through W_hh. */
    public DeviceBuffer dhPrev;
    public long dhPrevOffset;
    /** {@code [B, G·H]} output: gradient of the gate pre-activations on the input side (W_ih, b_ih, x). */
    public DeviceBuffer dGatesX;
    public long dGatesXOffset;
    /**
     * {@code [B, G·H]} output, GRU only: gradient on the recurrent side (W_hh, b_hh, h_prev), which differs from
     * {@link #dGatesX} in the n gate by the factor r. For other cells, and the original-form GRU, it equals dGatesX
     * and is not written.
     */
    public DeviceBuffer dGatesH;
    public long dGatesHOffset;

    /**
     * Floats per batch row that forward keeps for backward: LSTM the four gate activations i, f, g, o; GRU r, z, n
     * and {@code W_hn·h + b_hn} (original form: {@code r ⊙ h_prev}); plain RNNs none (their derivative comes from h itself).
     */
    public static int reserveWidth(CellType cell, int hidden) {
        return switch (cell) {
            case LSTM, GRU -> 4 * hidden;
            case RNN_TANH, RNN_RELU -> 0;
        };
    }

    /** {@link #reserveWidth(CellType, int)} plus, when clipping, a pass/clamped flag per gate: G·H more. */
    public static int reserveWidth(CellType cell, int hidden, boolean clipped) {
        return reserveWidth(cell, hidden) + (clipped ? cell.gates() * hidden : 0);
    }

    /** ... plus, with ONNX activations, each gate's pre-activation: G·H more, from {@link #preActivationsAt}. */
    public static int reserveWidth(CellType cell, int hidden, boolean clipped, boolean activations) {
        return reserveWidth(cell, hidden, clipped) + (activations ? cell.gates() * hidden : 0);
    }

    /** The reserve row width of a spec's layers. */
    public static int reserveWidth(dev.rnn4j.RnnSpec spec) {
        return reserveWidth(spec.cell(), spec.hiddenSize(), spec.variant().hasClip(), spec.variant().hasActivations());
    }

    /** Where the pre-activations start within a reserve row (after the activations and the clip flags). */
    public static int preActivationsAt(CellType cell, int hidden, boolean clipped) {
        return reserveWidth(cell, hidden, clipped);
    }
}
