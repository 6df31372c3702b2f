package dev.rnn4j;

/**
 * Gradients of a loss with respect to a forward pass's results, handed to backward. Any of them may be null,
 * meaning zero (a loss that ignores the final states, say). {@code gradOutput} uses the layout of the forward input;
 * values past a sequence's length are ignored, as the outputs there are constant zero.
 *
 * @param gradOutput d loss / d output, shape of {@link RnnOutput#output()}
 * @param gradHn     d loss / d h_n, {@code [L·D, B, H]}
 * @param gradCn     d loss / d c_n (LSTM only), {@code [L·D, B, H]}
 */
public record OutputGradients(float[] gradOutput, float[] gradHn, float[] gradCn) {
}
