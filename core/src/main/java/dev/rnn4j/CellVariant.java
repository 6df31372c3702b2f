package dev.rnn4j;

import java.util.List;

/**
 * Cell variants beyond the PyTorch cells (ONNX's and cuDNN's). {@link #NONE} is PyTorch's and cuDNN's cells.
 *
 * @param peepholes   ONNX's {@code P}: i and f also see {@code p ⊙ c_{t−1}}, o sees {@code p_o ⊙ c_t}; one
 *                    {@code [3·H]} tensor {@code weight_peephole_l{k}} ({@code p_i, p_f, p_o}) per layer and direction
 * @param inputForget ONNX's {@code input_forget = 1}: the forget gate is coupled to the input gate, f = 1 − i; the
 *                    forget gate's weights stay in the tensors (as in ONNX) but take no part and get zero gradient
 * @param clip        ONNX's {@code clip}, every cell: each gate pre-activation (with its biases and peephole term) is
 *                    clamped to [−clip, clip] before its activation, as ONNX Runtime does; the LSTM cell state itself
 *                    is not clipped. Gradients stop where a value was clamped. 0 means no clipping.
 * @param cellClip    LSTM, cuDNN's cell clipping ({@code cudnnRNNSetClip}, symmetric here; TensorFlow's
 *                    {@code cell_clip}): the new cell state c_t is clamped to [−cellClip, cellClip] before it is
 *                    used (h, o's peephole, the next step); gradients stop where it was clamped. 0 means none.
 * @param linearAfterReset GRU in its original form (ONNX {@code linear_before_reset = 0}, Keras
 *                    {@code reset_after = False}): the reset gate applies to h before the recurrent weights,
 *                    {@code n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)}; false is PyTorch's and cuDNN's form,
 *                    {@code n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))}. Same tensors, same gate order.
 * @param projectionSize LSTM with a projection (PyTorch's {@code proj_size}, cuDNN's {@code projSize}), or 0:
 *                    {@code h_t = W_hr (o ⊙ tanh(c_t))} of P = projectionSize features, 0 &lt; P &lt; H; the hidden
 *                    state, the outputs and W_hh's columns have P features, the cell state keeps H; one more
 *                    tensor {@code weight_hr_l{k} [P, H]} per layer and direction.
 * @param activations ONNX's {@code activations} ({@link Activation}), or empty for the cell's own: per direction RNN f;
 *                    LSTM f (i, o, f gates), g (cell input), h (output); GRU f (z, r), g (candidate n). One set
 *                    for every direction, or (bidirectional, as ONNX writes it) the forward set then the reverse.
 *                    A list equal to the cell's own is stored as empty.
 */
public record CellVariant(boolean peepholes, boolean inputForget, float clip, float cellClip,
                          boolean linearAfterReset, int projectionSize, List<Activation> activations) {
    /** The plain cell. */
    public static final CellVariant NONE = new CellVariant(false, false, 0f, 0f, false, 0, List.of());

    /** Checks the thresholds; copies the activations. */
    public CellVariant {
        activations = List.copyOf(activations == null ? List.of() : activations);
        if (!(clip >= 0) || Float.isInfinite(clip)) {
            throw new IllegalArgumentException("clip must be a finite value >= 0 (0 = no clipping), got " + clip);
        }
        if (!(cellClip >= 0) || Float.isInfinite(cellClip)) {
            throw new IllegalArgumentException("cellClip must be a finite value >= 0 (0 = no clipping), got "
                    + cellClip);
        }
        if (projectionSize < 0) {
            throw new IllegalArgumentException("projectionSize must be >= 0 (0 = no projection), got "
                    + projectionSize);
        }
    }

    /** With the cell's own activations. */
    public CellVariant(boolean peepholes, boolean inputForget, float clip, float cellClip, boolean linearAfterReset,
                       int projectionSize) {
        this(peepholes, inputForget, clip, cellClip, linearAfterReset, projectionSize, List.of());
    }

    /** Without projection. */
    public CellVariant(boolean peepholes, boolean inputForget, float clip, float cellClip, boolean linearAfterReset) {
        this(peepholes, inputForget, clip, cellClip, linearAfterReset, 0, List.of());
    }

    /** Without the GRU's original form or projection. */
    public CellVariant(boolean peepholes, boolean inputForget, float clip, float cellClip) {
        this(peepholes, inputForget, clip, cellClip, false, 0, List.of());
    }

    /** The GRU in its original form (ONNX {@code linear_before_reset = 0}), with an optional clip. */
    public static CellVariant gruOriginal(float clip) {
        return new CellVariant(false, false, clip, 0f, true, 0, List.of());
    }

    /** An LSTM projecting its hidden state to {@code size} features (PyTorch's {@code proj_size}). */
    public static CellVariant projected(int size) {
        return new CellVariant(false, false, 0f, 0f, false, size, List.of());
    }

    /** Only ONNX activations, for any cell. */
    public static CellVariant activated(List<Activation> activations) {
        return new CellVariant(false, false, 0f, 0f, false, 0, activations);
    }

    /** This variant with other activations. */
    public CellVariant withActivations(List<Activation> list) {
        return new CellVariant(peepholes, inputForget, clip, cellClip, linearAfterReset, projectionSize, list);
    }

    /** Whether activations other than the cell's own are set. */
    public boolean hasActivations() {
        return !activations.isEmpty();
    }

    /** The activations of one direction (0 forward, 1 reverse): the cell's own when none are set. */
    public List<Activation> activationsFor(CellType cell, int direction) {
        if (activations.isEmpty()) {
            return Activation.defaults(cell);
        }
        int slots = Activation.slots(cell);
        return activations.size() == slots ? activations
                : activations.subList(direction * slots, (direction + 1) * slots);
    }

    /** Empty activations where the given ones are the cell's own in every direction; else this. */
    CellVariant normalizedFor(CellType cell) {
        if (activations.isEmpty()) {
            return this;
        }
        List<Activation> own = Activation.defaults(cell);
        for (int i = 0; i < activations.size(); i++) {
            if (!activations.get(i).equals(own.get(i % own.size()))) {
                return this;
            }
        }
        return withActivations(List.of());
    }

    /** Whether the LSTM has a projection. */
    public boolean hasProjection() {
        return projectionSize > 0;
    }

    /** Without cell clipping. */
    public CellVariant(boolean peepholes, boolean inputForget, float clip) {
        this(peepholes, inputForget, clip, 0f);
    }

    /** LSTM variants without clipping. */
    public CellVariant(boolean peepholes, boolean inputForget) {
        this(peepholes, inputForget, 0f, 0f);
    }

    /** Only clipping, for any cell. */
    public static CellVariant clipped(float clip) {
        return new CellVariant(false, false, clip);
    }

    /** Whether gate pre-activations are clipped. */
    public boolean hasClip() {
        return clip > 0;
    }

    /** Whether this is the plain cell. */
    public boolean isNone() {
        return equals(NONE);
    }

    /** Checks that {@code cell} has what this variant asks for; the message names the variant. */
    void requireFor(CellType cell) {
        if (cell != CellType.LSTM && (peepholes || inputForget || cellClip > 0 || projectionSize > 0)) {
            throw new IllegalArgumentException((peepholes ? "peepholes are" : inputForget ? "input_forget is"
                    : cellClip > 0 ? "cell clipping is" : "projection (proj_size) is") + " an LSTM feature; " + cell
                    + " has none");
        }
        int slots = Activation.slots(cell);
        if (!activations.isEmpty() && activations.size() != slots && activations.size() != 2 * slots) {
            throw new IllegalArgumentException(cell + " takes " + slots + " activations per direction ("
                    + (cell == CellType.LSTM ? "f, g, h" : cell == CellType.GRU ? "f, g" : "f") + "), or "
                    + 2 * slots + " for both directions; got " + activations.size() + ": " + activations);
        }
        if (cell != CellType.GRU && linearAfterReset) {
            throw new IllegalArgumentException("linearAfterReset (ONNX linear_before_reset = 0) is a GRU feature; "
                    + cell + " has no reset gate");
        }
    }
}
