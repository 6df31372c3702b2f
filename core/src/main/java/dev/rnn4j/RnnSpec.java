package dev.rnn4j;

import java.util.Objects;

/**
 * What a recurrent layer stack computes: the cell, the sizes, the number of stacked layers, whether each layer
 * runs in both directions and whether it has biases. Immutable; validated on construction.
 *
 * <pre>{@code
 * RnnSpec spec = RnnSpec.builder(CellType.LSTM).inputSize(32).hiddenSize(64).layers(2).bidirectional(true).build();
 * }</pre>
 *
 * @param cell          the recurrent cell
 * @param inputSize     features per step of the first layer's input, I &gt; 0
 * @param hiddenSize    features of the hidden state, H &gt; 0
 * @param layers        stacked layers, 0 &lt; L &le; {@link #MAX_LAYERS}; layer l &gt; 0 takes the previous layer's
 *                      output (H·directions)
 * @param bidirectional whether every layer also runs over the reversed sequences (outputs concatenated)
 * @param bias          whether the layers have {@code b_ih} and {@code b_hh}
 * @param variant       variants beyond the PyTorch cells ({@link CellVariant}; {@link CellVariant#NONE} for PyTorch's)
 */
public record RnnSpec(CellType cell, int inputSize, int hiddenSize, int layers, boolean bidirectional, boolean bias,
                      CellVariant variant) {

    /**
     * The most stacked layers a spec may have. Stacks are a handful of layers deep; the bound exists so that a size
     * read from a file or a command line (a billion layers) is refused at once instead of exhausting the heap while
     * the layers' parameters are listed.
     */
    public static final int MAX_LAYERS = 1 << 16;

    /** A spec of a PyTorch cell (no variant). */
    public RnnSpec(CellType cell, int inputSize, int hiddenSize, int layers, boolean bidirectional, boolean bias) {
        this(cell, inputSize, hiddenSize, layers, bidirectional, bias, CellVariant.NONE);
    }

    /** Validates every field; the message says which one is wrong and what it was. */
    public RnnSpec {
        Objects.requireNonNull(cell, "cell type must not be null");
        Objects.requireNonNull(variant, "variant must not be null (CellVariant.NONE for none)");
        variant.requireFor(cell);
        variant = variant.normalizedFor(cell);
        if (variant.activations().size() == 2 * Activation.slots(cell) && !bidirectional) {
            throw new IllegalArgumentException("a unidirectional " + cell + " takes " + Activation.slots(cell)
                    + " activations, got " + variant.activations().size() + " (two directions' worth)");
        }
        requirePositive("inputSize", inputSize);
        requirePositive("hiddenSize", hiddenSize);
        requirePositive("layers", layers);
        if (layers > MAX_LAYERS) {
            throw new IllegalArgumentException("layers must be at most " + MAX_LAYERS + ", got " + layers);
        }
        if (variant.projectionSize() >= hiddenSize) {
            throw new IllegalArgumentException("projectionSize must be smaller than hiddenSize (" + hiddenSize
                    + "), got " + variant.projectionSize());
        }
        long gateRows = (long) cell.gates() * hiddenSize;
        long widestInput = Math.max(inputSize, (long) hiddenSize * (bidirectional ? 2 : 1));
        if (gateRows * Math.max(widestInput, hiddenSize) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a weight matrix of " + gateRows + " x " + widestInput
                    + " floats exceeds 2^31 - 1 elements; use a smaller hiddenSize or inputSize");
        }
    }

    private static void requirePositive(String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be > 0, got " + value);
        }
    }

    /** A builder with layers = 1, unidirectional, with bias; input and hidden size must be set. */
    public static Builder builder(CellType cell) {
        return new Builder(cell);
    }

    /** Whether the LSTM has peepholes ({@link CellVariant#peepholes}). */
    public boolean peepholes() {
        return variant.peepholes();
    }

    /** Whether the LSTM couples its forget gate to its input gate ({@link CellVariant#inputForget}). */
    public boolean inputForget() {
        return variant.inputForget();
    }

    /** The clip threshold ({@link CellVariant#clip}), 0 when none. */
    public float clip() {
        return variant.clip();
    }

    /** cuDNN's LSTM cell clipping threshold ({@link CellVariant#cellClip}), 0 when none. */
    public float cellClip() {
        return variant.cellClip();
    }

    /** Whether the GRU is in its original form, reset before the recurrent weights ({@link CellVariant#linearAfterReset}). */
    public boolean linearAfterReset() {
        return variant.linearAfterReset();
    }

    /** The LSTM's projection size P ({@link CellVariant#projectionSize}), 0 when none. */
    public int projectionSize() {
        return variant.projectionSize();
    }

    /**
     * Features of the hidden state h, per direction: P with a projection, else H. Outputs, h0 and h_n have this
     * many; the LSTM cell state c always has H.
     */
    public int stateSize() {
        return variant.hasProjection() ? variant.projectionSize() : hiddenSize;
    }

    /** Whether layers of this spec have tensors of {@code kind} (biases, projection and peepholes are optional). */
    public boolean has(ParameterKind kind) {
        return switch (kind) {
            case WEIGHT_IH, WEIGHT_HH -> true;
            case BIAS_IH, BIAS_HH -> bias;
            case PROJECTION -> variant.hasProjection();
            case PEEPHOLE -> variant.peepholes();
        };
    }

    /** The activations of one direction (0 forward, 1 reverse), the cell's own unless ONNX's were set. */
    public java.util.List<Activation> activations(int direction) {
        return variant.activationsFor(cell, direction);
    }

    /** Number of directions D: 2 when bidirectional, else 1. */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    /** Rows of every weight matrix and length of every bias vector: G·H. */
    public int gateRows() {
        return cell.gates() * hiddenSize;
    }

    /** Input features of layer {@code layer}: I for layer 0, {@link #stateSize()}·D above it. */
    public int layerInputSize(int layer) {
        if (layer < 0 || layer >= layers) {
            throw new IndexOutOfBoundsException("layer " + layer + " out of range 0.." + (layers - 1));
        }
        return layer == 0 ? inputSize : stateSize() * directions();
    }

    /** Output features per step: {@link #stateSize()}·D (H·D without a projection). */
    public int outputSize() {
        return stateSize() * directions();
    }

    /** Floats of h0 or h_n: L·D·B·{@link #stateSize()}. */
    public int hiddenStateFloats(int batch) {
        return Math.multiplyExact(stateLayers() * batch, stateSize());
    }

    /** Floats of c0 or c_n (LSTM): L·D·B·H. */
    public int cellStateFloats(int batch) {
        return Math.multiplyExact(stateLayers() * batch, hiddenSize);
    }

    /** Number of (layer, direction) pairs L·D: the first dimension of h0, c0, h_n and c_n. */
    public int stateLayers() {
        return layers * directions();
    }

    /** Fluent construction of an {@link RnnSpec}. */
    public static final class Builder {
        private final CellType cell;
        private int inputSize = -1;
        private int hiddenSize = -1;
        private int layers = 1;
        private boolean bidirectional;
        private boolean bias = true;
        private boolean peepholes;
        private boolean inputForget;
        private float clip;
        private float cellClip;
        private boolean linearAfterReset;
        private int projectionSize;
        private java.util.List<Activation> activations = java.util.List.of();

        private Builder(CellType cell) {
            this.cell = Objects.requireNonNull(cell, "cell type must not be null");
        }

        /** Input features per step, I. */
        public Builder inputSize(int v) {
            inputSize = v;
            return this;
        }

        /** Hidden features, H. */
        public Builder hiddenSize(int v) {
            hiddenSize = v;
            return this;
        }

        /** Stacked layers, L (default 1). */
        public Builder layers(int v) {
            layers = v;
            return this;
        }

        /** Whether each layer runs in both directions (default false). */
        public Builder bidirectional(boolean v) {
            bidirectional = v;
            return this;
        }

        /** Whether layers carry biases (default true). */
        public Builder bias(boolean v) {
            bias = v;
            return this;
        }

        /** LSTM peephole connections (default false). */
        public Builder peepholes(boolean v) {
            peepholes = v;
            return this;
        }

        /** LSTM: ONNX's {@code input_forget}, f = 1 − i (default false). */
        public Builder inputForget(boolean v) {
            inputForget = v;
            return this;
        }

        /** ONNX's clip threshold for the gate pre-activations (default 0: none). */
        public Builder clip(float v) {
            clip = v;
            return this;
        }

        /** LSTM: cuDNN's cell clipping of c_t (default 0: none). */
        public Builder cellClip(float v) {
            cellClip = v;
            return this;
        }

        /** GRU: the original form, ONNX's {@code linear_before_reset = 0} (default false: PyTorch's form). */
        public Builder linearAfterReset(boolean v) {
            linearAfterReset = v;
            return this;
        }

        /** LSTM: project the hidden state to {@code v} &lt; H features (PyTorch's proj_size; default 0: none). */
        public Builder projectionSize(int v) {
            projectionSize = v;
            return this;
        }

        /** ONNX's activations (see {@link CellVariant#activations}; default: the cell's own). */
        public Builder activations(java.util.List<Activation> v) {
            activations = v;
            return this;
        }

        /** @throws IllegalArgumentException if a size was not set or is not positive */
        public RnnSpec build() {
            return new RnnSpec(cell, inputSize, hiddenSize, layers, bidirectional, bias,
                    new CellVariant(peepholes, inputForget, clip, cellClip, linearAfterReset,
                            projectionSize, activations));
        }
    }
}
