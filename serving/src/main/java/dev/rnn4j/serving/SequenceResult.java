package dev.rnn4j.serving;

/**
 * What one request's sequence gives: its outputs {@code [T, outputSize]} for its own T steps, its final hidden
 * states {@code [layers·directions, stateSize]} and, for an LSTM, its final cell states {@code [layers·directions,
 * hidden]} (null otherwise).
 */
public record SequenceResult(float[] output, float[] hN, float[] cN) {
}
