package dev.rnn4j.spi;

import dev.rnn4j.DeviceBuffer;

/**
 * The arguments of one cell step: the layer direction's {@link StepConfig}, the pass's batch, lengths and buffers,
 * and the step. The driver fills one block per layer direction and pass; from step to step only {@link #step}
 * changes, through {@link #forwardStep} or {@link #backwardStep}, which place every buffer's offset by one rule: the
 * sequence buffers hold the steps one after another in processing order, {@code batch} rows per step. So the
 * per-step loop allocates nothing, and a device kernel that knows the rule needs the buffers and the step, not a
 * dozen offsets. Row b is valid at step s when {@code s < lengths[b]}.
 *
 * <p>Forward reads {@code gx, gh, bhh, hPrev, c} and writes {@code hNext, c, reserve}. Backward reads
 * {@code reserve, hPrev, hNext, c, dy, dh, dc} and writes {@code dGatesX, dGatesH, dhPrev, dc}. Shapes below: T steps,
 * B rows, H hidden units, S features of h ({@link StepConfig#stateSize}), G·H gate rows, R the reserve width.
 */
public final class StepArgs {
    /** What is fixed for the layer direction. */
    public StepConfig config;
    /** Rows in the batch, B. */
    public int batch;
    /** {@code [B]} INT32 sequence lengths. */
    public DeviceBuffer lengths;

    /** {@code [T, B, G·H]} input projections {@code x·W_ihᵀ + b_ih} of every step, in processing order. */
    public DeviceBuffer gx;
    /** {@code [B, G·H]} recurrent projection {@code h_prev·W_hhᵀ} (without bias) of the running step. */
    public DeviceBuffer gh;
    /** {@code [G·H]} recurrent bias b_hh, or null when the layer has no bias. */
    public DeviceBuffer bhh;
    /** {@code [3·H]} LSTM peephole weights {@code p_i, p_f, p_o}, or null ({@link StepConfig#peepholes}). */
    public DeviceBuffer peephole;
    /** {@code [T + 1, B, S]} hidden states: h_{t−1} of step t is block t, and h_t block t + 1. */
    public DeviceBuffer hPrev;
    /**
     * Where a step writes its h: {@link #hPrev} itself, block t + 1; in a projected forward ({@link
     * StepConfig#projected}) the buffer of m instead, {@code [T, B, H]} in training (block t), {@code [B, H]} else.
     */
    public DeviceBuffer hNext;
    /** {@code [T + 1, B, H]} cell states (LSTM): c_{t−1} of step t is block t, c_t block t + 1. */
    public DeviceBuffer c;
    /** {@code [T, B, R]} what forward keeps for backward; null in inference. */
    public DeviceBuffer reserve;
    /**
     * Original-form GRU in inference: {@code [B, H]} rows of {@code r ⊙ h_prev}, the A operand of the n column's GEMM.
     * In training that is the reserve's fourth block instead ({@link #rhBuffer}), which backward-weights reads for
     * {@code dW_hn}.
     */
    public DeviceBuffer rh;

    /** {@code [T, B, H]} gradients arriving from each step's output, or null (a projected LSTM's come through dh). */
    public DeviceBuffer dy;
    /** {@code [B, H]} gradient of this step's h (projected: of m) carried from later steps. */
    public DeviceBuffer dh;
    /** {@code [B, H]} gradient of this step's cell state; overwritten with the previous cell state's (LSTM). */
    public DeviceBuffer dc;
    /** {@code [B, H]} output: the part of the previous hidden state's gradient not going through W_hh. */
    public DeviceBuffer dhPrev;
    /** {@code [T, B, G·H]} output: gradients of the gate pre-activations on the input side (W_ih, b_ih, x). */
    public DeviceBuffer dGatesX;
    /**
     * {@code [T, B, G·H]} output, GRU only: the gradients on the recurrent side (W_hh, b_hh, h_prev), which differ from
     * {@link #dGatesX} in the n gate by the factor r. For other cells, and the original-form GRU, not written.
     */
    public DeviceBuffer dGatesH;
    /** Original-form GRU, backward: {@code [B, H]} gradient of {@code r ⊙ h_prev}, i.e. {@code dn_pre·W_hn}. */
    public DeviceBuffer drh;

    private int step;
    private boolean forward;
    private long gxOffset;
    private long hPrevOffset;
    private long hNextOffset;
    private long cPrevOffset;
    private long cNextOffset;
    private long reserveOffset;
    private long dyOffset;

    /** Places every offset at forward step {@code t}. */
    public void forwardStep(int t) {
        forward = true;
        position(t);
    }

    /** Places every offset at backward step {@code t} (backward visits the steps in reverse). */
    public void backwardStep(int t) {
        forward = false;
        position(t);
    }

    private void position(int t) {
        int S = config.stateSize();
        int H = config.hidden();
        long rows = (long) t * batch;
        step = t;
        gxOffset = rows * config.gateRows();
        hPrevOffset = rows * S;
        hNextOffset = forward && config.projected() ? (reserve != null ? rows * H : 0) : hPrevOffset + (long) batch * S;
        cPrevOffset = rows * H;
        cNextOffset = cPrevOffset + (long) batch * H;
        reserveOffset = rows * config.reserveWidth();
        dyOffset = rows * H;
    }

    /** The step, compared with {@link #lengths}. */
    public int step() {
        return step;
    }

    /** Offset of this step's rows in {@link #gx}; also in {@link #dGatesX} and {@link #dGatesH}. */
    public long gxOffset() {
        return gxOffset;
    }

    /** Offset of h_{t−1} in {@link #hPrev}. */
    public long hPrevOffset() {
        return hPrevOffset;
    }

    /** Offset of this step's h (or m) in {@link #hNext}. */
    public long hNextOffset() {
        return hNextOffset;
    }

    /** Offset of c_{t−1} in {@link #c}. */
    public long cPrevOffset() {
        return cPrevOffset;
    }

    /** Offset of c_t in {@link #c}. */
    public long cNextOffset() {
        return cNextOffset;
    }

    /** Offset of this step's rows in {@link #reserve}. */
    public long reserveOffset() {
        return reserveOffset;
    }

    /** Offset of this step's rows in {@link #dy}. */
    public long dyOffset() {
        return dyOffset;
    }

    /** Where this step's {@code r ⊙ h_prev} rows live: the reserve in training, else {@link #rh}. */
    public DeviceBuffer rhBuffer() {
        return reserve != null ? reserve : rh;
    }

    /** Offset of the first of those rows: the reserve row's fourth block in training, else 0. */
    public long rhOffset() {
        return reserve != null ? reserveOffset + 3L * config.hidden() : 0;
    }

    /** Floats between those rows: the reserve width in training, else H. */
    public int rhStride() {
        return reserve != null ? config.reserveWidth() : config.hidden();
    }
}
