package dev.rnn4j;

/**
 * Cell variants beyond the PyTorch cells (issue #5), all LSTM-only so far. {@link #NONE} is PyTorch's and cuDNN's
 * LSTM.
 *
 * @param peepholes   ONNX's {@code P}: i and f also see {@code p ⊙ c_{t−1}}, o sees {@code p_o ⊙ c_t}; one
 *                    {@code [3·H]} tensor {@code weight_peephole_l{k}} ({@code p_i, p_f, p_o}) per layer and direction
 * @param inputForget ONNX's {@code input_forget = 1}: the forget gate is coupled to the input gate, f = 1 − i; the
 *                    forget gate's weights stay in the tensors (as in ONNX) but take no part and get zero gradient
 */
public record CellVariant(boolean peepholes, boolean inputForget) {
    /** The plain cell. */
    public static final CellVariant NONE = new CellVariant(false, false);

    /** Whether this is the plain cell. */
    public boolean isNone() {
        return equals(NONE);
    }

    /** Checks that {@code cell} has what this variant asks for; the message names the variant. */
    void requireFor(CellType cell) {
        if (cell != CellType.LSTM && (peepholes || inputForget)) {
            throw new IllegalArgumentException((peepholes ? "peepholes are" : "input_forget is") + " an LSTM feature; "
                    + cell + " has none");
        }
    }
}
