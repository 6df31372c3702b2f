package dev.rnn4j;

/**
 * What backward-data returns: gradients with respect to the forward pass's input and initial states.
 *
 * @param gradInput d loss / d x, in the forward input's layout; zero past each sequence's length
 * @param gradH0    d loss / d h0, {@code [L·D, B, H]}
 * @param gradC0    d loss / d c0 for LSTM, otherwise null
 */
public record InputGradients(float[] gradInput, float[] gradH0, float[] gradC0) {
}
