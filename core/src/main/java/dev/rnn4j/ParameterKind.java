package dev.rnn4j;

/** The four parameter tensors of one layer and direction, in PyTorch's state_dict order. */
public enum ParameterKind {
    /** {@code W_ih [G·H, I_layer]}, PyTorch name {@code weight_ih_l{k}}. */
    WEIGHT_IH("weight_ih"),
    /** {@code W_hh [G·H, H]}, PyTorch name {@code weight_hh_l{k}}. */
    WEIGHT_HH("weight_hh"),
    /** {@code b_ih [G·H]}, PyTorch name {@code bias_ih_l{k}}. */
    BIAS_IH("bias_ih"),
    /** {@code b_hh [G·H]}, PyTorch name {@code bias_hh_l{k}}. */
    BIAS_HH("bias_hh");

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
}
