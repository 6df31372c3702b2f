package dev.rnn4j.spi;

import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import java.util.Arrays;
import java.util.List;

/**
 * What is fixed for every step of one layer direction: the cell and its variant (peepholes, input_forget, clip, cell
 * clip, the original-form GRU, the projection), the activations, the sizes, whether the layer has biases, and the
 * layout of a reserve row. Built once per layer direction by the driver and given with every step ({@link
 * StepArgs#config}); a device backend uploads it once per value and passes the kernels one buffer in place of two
 * dozen flags. Immutable, and equal to any other configuration with the same values.
 *
 * <p>A reserve row (what a training forward keeps for backward) holds the cell's activations ({@link
 * #activationFloats()}: LSTM i, f, g, o; GRU r, z, n and {@code W_hn·h + b_hn}, or {@code r ⊙ h_prev} in the original
 * form; none for plain RNNs), then with clip one pass flag per gate ({@link #flagsAt()}), then with ONNX activations
 * each gate's pre-activation ({@link #preActivationsAt()}).
 */
public final class StepConfig {
    private final CellType cell;
    private final int hidden;
    private final int stateSize;
    private final boolean bias;
    private final boolean peepholes;
    private final boolean inputForget;
    private final float clip;
    private final float cellClip;
    private final boolean originalGru;
    private final boolean projected;
    private final Activation[] activations;
    private final boolean onnxActivations;

    private StepConfig(CellType cell, int hidden, int stateSize, boolean bias, boolean peepholes, boolean inputForget,
                       float clip, float cellClip, boolean originalGru, boolean projected, List<Activation> activations,
                       boolean onnxActivations) {
        this.cell = cell;
        this.hidden = hidden;
        this.stateSize = stateSize;
        this.bias = bias;
        this.peepholes = peepholes;
        this.inputForget = inputForget;
        this.clip = clip;
        this.cellClip = cellClip;
        this.originalGru = originalGru;
        this.projected = projected;
        this.activations = activations.toArray(new Activation[0]);
        this.onnxActivations = onnxActivations;
    }

    /** The configuration of direction {@code direction} (0 forward, 1 reverse) of every layer of {@code spec}. */
    public static StepConfig of(RnnSpec spec, int direction) {
        if (direction < 0 || direction >= spec.directions()) {
            throw new IllegalArgumentException("direction " + direction + " of a spec with " + spec.directions());
        }
        return new StepConfig(spec.cell(), spec.hiddenSize(), spec.stateSize(), spec.bias(), spec.peepholes(),
                spec.inputForget(), spec.clip(), spec.cellClip(), spec.linearAfterReset(), spec.projectionSize() > 0,
                spec.activations(direction), spec.variant().hasActivations());
    }

    /** The cell. */
    public CellType cell() {
        return cell;
    }

    /** Hidden units H. */
    public int hidden() {
        return hidden;
    }

    /** Features of h: P when projected, else H. */
    public int stateSize() {
        return stateSize;
    }

    /** Gate rows G·H. */
    public int gateRows() {
        return cell.gates() * hidden;
    }

    /** Whether the layer has biases (b_hh is read by the cell steps). */
    public boolean bias() {
        return bias;
    }

    /**
     * LSTM peepholes {@code p_i, p_f, p_o} ({@code [3·H]}): i and f also see {@code p ⊙ c_{t−1}}, o sees
     * {@code p_o ⊙ c_t}; backward adds their paths to dc.
     */
    public boolean peepholes() {
        return peepholes;
    }

    /** LSTM, ONNX's input_forget: f = 1 − i (the forget gate's pre-activation is ignored, its gradient zero). */
    public boolean inputForget() {
        return inputForget;
    }

    /**
     * ONNX's clip, or 0: every gate pre-activation is clamped to [−clip, clip] before its activation; training keeps
     * a pass flag per gate (1 passed, 0 clamped) that backward multiplies in.
     */
    public float clip() {
        return clip;
    }

    /**
     * LSTM, cuDNN's cell clipping, or 0: c_t is clamped to [−cellClip, cellClip]; backward stops the gradient where the
     * stored c_t sits at a bound.
     */
    public float cellClip() {
        return cellClip;
    }

    /**
     * GRU in its original form (ONNX's {@code linear_before_reset = 0}): n sees {@code W_hn (r ⊙ h_prev) + b_hn}, so a
     * step is two GEMMs around {@link Primitives#gruResetForward} (backward likewise around {@link
     * Primitives#gruResetBackward}); gh's n column holds {@code (r ⊙ h_prev)·W_hnᵀ}, without bias.
     */
    public boolean originalGru() {
        return originalGru;
    }

    /**
     * LSTM with a projection: the forward step writes {@code m = o ⊙ tanh(c_t)} ({@code [B, H]}, zero past a
     * sequence's end) to {@link StepArgs#hNext}, which the driver's projection GEMM turns into h_t; h_prev is not read.
     * In backward, {@link StepArgs#dh} is the gradient of m.
     */
    public boolean projected() {
        return projected;
    }

    /**
     * The activation in ONNX's slot {@code slot} (RNN f; LSTM f, g, h; GRU f, g): the cell's own unless ONNX's were
     * set; {@link Activation#TANH} past the cell's slots, which no step reads.
     */
    public Activation activation(int slot) {
        return slot < activations.length ? activations[slot] : Activation.TANH;
    }

    /**
     * Whether ONNX's activations are set: then forward keeps each gate's pre-activation (after clip) in the reserve
     * ({@link #preActivationsAt()}) and backward takes the derivatives there; else from the kept outputs.
     */
    public boolean onnxActivations() {
        return onnxActivations;
    }

    /** Floats per reserve row for the cell's activations, before any clip flags. */
    public int activationFloats() {
        return activationFloats(cell, hidden);
    }

    /** Where the clip flags start within a reserve row. */
    public int flagsAt() {
        return activationFloats();
    }

    /** Where the pre-activations start within a reserve row (after the activations and any clip flags). */
    public int preActivationsAt() {
        return activationFloats() + (clip > 0 ? gateRows() : 0);
    }

    /** Floats per batch row that a training forward keeps for backward. */
    public int reserveWidth() {
        return preActivationsAt() + (onnxActivations ? gateRows() : 0);
    }

    /** The reserve row width of a spec's layers (the same in both directions). */
    public static int reserveWidth(RnnSpec spec) {
        return of(spec, 0).reserveWidth();
    }

    /**
     * Floats per batch row for a cell's activations: LSTM i, f, g, o; GRU r, z, n and {@code W_hn·h + b_hn} (original
     * form: {@code r ⊙ h_prev}); plain RNNs none (their derivative comes from h itself).
     */
    static int activationFloats(CellType cell, int hidden) {
        return switch (cell) {
            case LSTM, GRU -> 4 * hidden;
            case RNN_TANH, RNN_RELU -> 0;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StepConfig c && cell == c.cell && hidden == c.hidden && stateSize == c.stateSize
                && bias == c.bias && peepholes == c.peepholes && inputForget == c.inputForget
                && Float.compare(clip, c.clip) == 0 && Float.compare(cellClip, c.cellClip) == 0
                && originalGru == c.originalGru && projected == c.projected && onnxActivations == c.onnxActivations
                && Arrays.equals(activations, c.activations);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] {cell, hidden, stateSize, bias, peepholes, inputForget, clip, cellClip,
            originalGru, projected, onnxActivations, Arrays.hashCode(activations)});
    }

    @Override
    public String toString() {
        return "StepConfig[" + cell + " H=" + hidden + (stateSize != hidden ? " P=" + stateSize : "")
                + (bias ? "" : " no bias") + (peepholes ? " peepholes" : "") + (inputForget ? " input_forget" : "")
                + (clip > 0 ? " clip=" + clip : "") + (cellClip > 0 ? " cellClip=" + cellClip : "")
                + (originalGru ? " original GRU" : "") + (onnxActivations ? " " + Arrays.toString(activations) : "")
                + "]";
    }
}
