package dev.rnn4j;

/**
 * One parameter tensor of an {@link RnnSpec}: its PyTorch state_dict name, where it belongs and its shape.
 *
 * @param name      PyTorch name, e.g. {@code weight_hh_l1_reverse}
 * @param layer     layer index, 0-based
 * @param direction 0 forward, 1 reverse
 * @param kind      which of the four tensors of a layer and direction
 * @param rows      G·H
 * @param cols      input width for weights, 1 for biases
 */
public record Parameter(String name, int layer, int direction, ParameterKind kind, int rows, int cols) {

    /** Number of floats. */
    public int size() {
        return rows * cols;
    }

    /** Shape as PyTorch reports it: {@code [rows, cols]} for weights, {@code [rows]} for biases and peepholes. */
    public long[] shape() {
        return kind.isVector() ? new long[] {rows} : new long[] {rows, cols};
    }

    /** The state_dict name of a tensor: {@code prefix_l{layer}} plus {@code _reverse} for direction 1. */
    public static String nameOf(ParameterKind kind, int layer, int direction) {
        return kind.prefix() + "_l" + layer + (direction == 1 ? "_reverse" : "");
    }
}
