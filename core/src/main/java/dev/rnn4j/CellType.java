package dev.rnn4j;

/**
 * The recurrent cell computed at every step. Conventions (gate order, bias placement) are PyTorch's and cuDNN's,
 * so weights move between rnn4j, PyTorch and cuDNN unchanged.
 *
 * <ul>
 *   <li>{@link #RNN_TANH}, {@link #RNN_RELU}: h' = act(W_ih x + b_ih + W_hh h + b_hh)</li>
 *   <li>{@link #LSTM}: gates i, f, g, o; c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c')</li>
 *   <li>{@link #GRU}: gates r, z, n; n = tanh(W_in x + b_in + r·(W_hn h + b_hn)); h' = (1−z)·n + z·h</li>
 * </ul>
 */
public enum CellType {
    /** Elman RNN with tanh. */
    RNN_TANH(1, false),
    /** Elman RNN with ReLU. */
    RNN_RELU(1, false),
    /** Long short-term memory, gate order i, f, g, o. */
    LSTM(4, true),
    /** Gated recurrent unit (linear-before-reset form, as PyTorch and cuDNN), gate order r, z, n. */
    GRU(3, false);

    private final int gates;
    private final boolean hasCellState;

    CellType(int gates, boolean hasCellState) {
        this.gates = gates;
        this.hasCellState = hasCellState;
    }

    /** Number of gate blocks G: weight matrices have G·H rows. */
    public int gates() {
        return gates;
    }

    /** Whether the cell carries a second state c besides h (LSTM only). */
    public boolean hasCellState() {
        return hasCellState;
    }

    /**
     * Parses a cell name as PyTorch's {@code mode} strings spell it ({@code RNN_TANH}, {@code LSTM}, ...), case
     * insensitive.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static CellType parse(String name) {
        for (CellType t : values()) {
            if (t.name().equalsIgnoreCase(name.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException(
                "unknown cell type '" + name + "'; expected one of RNN_TANH, RNN_RELU, LSTM, GRU");
    }
}
