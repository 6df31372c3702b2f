package dev.rnn4j;

/**
 * The parameter tensors of one layer and direction, in state_dict order: PyTorch's four, PyTorch's projection
 * (present only with one), then the LSTM peepholes (not a PyTorch parameter; present only when the spec has them).
 */
public enum ParameterKind {
    /** {@code W_ih [G·H, I_layer]}, PyTorch name {@code weight_ih_l{k}}. */
    WEIGHT_IH("weight_ih"),
    /** {@code W_hh [G·H, H]} ({@code [4·H, P]} with a projection), PyTorch name {@code weight_hh_l{k}}. */
    WEIGHT_HH("weight_hh"),
    /** {@code b_ih [G·H]}, PyTorch name {@code bias_ih_l{k}}. */
    BIAS_IH("bias_ih"),
    /** {@code b_hh [G·H]}, PyTorch name {@code bias_hh_l{k}}. */
    BIAS_HH("bias_hh"),
    /** LSTM projection {@code W_hr [P, H]}, PyTorch name {@code weight_hr_l{k}}; present only with a projection. */
    PROJECTION("weight_hr"),
    /**
     * LSTM peephole weights {@code [3·H]} in the order {@code p_i, p_f, p_o} (rnn4j's gate order without g; ONNX's
     * {@code P} holds {@code p_i, p_o, p_f}), name {@code weight_peephole_l{k}}.
     */
    PEEPHOLE("weight_peephole");

    private final String prefix;

    ParameterKind(String prefix) {
        this.prefix = prefix;
    }

    /** The state_dict name prefix, e.g. {@code weight_ih}. */
    public String prefix() {
        return prefix;
    }

    /** Whether this is a bias vector (absent when the spec has no bias). */
    public boolean isBias() {
        return this == BIAS_IH || this == BIAS_HH;
    }

    /** Whether the tensor is one-dimensional (biases and peepholes). */
    public boolean isVector() {
        return isBias() || this == PEEPHOLE;
    }
}
