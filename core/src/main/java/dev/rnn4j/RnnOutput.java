package dev.rnn4j;

/**
 * The result of a forward pass.
 *
 * @param output {@code [T, B, H·D]} or {@code [B, T, H·D]} in the input's layout; zero past each sequence's length
 * @param hN     final hidden states {@code [L·D, B, H]}
 * @param cN     final cell states {@code [L·D, B, H]} for LSTM, otherwise null
 * @param layout the layout of {@code output}
 */
public record RnnOutput(float[] output, float[] hN, float[] cN, Layout layout) {
}
