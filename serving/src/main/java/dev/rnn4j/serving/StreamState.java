package dev.rnn4j.serving;

/**
 * A stream's state after every step fed to it so far: {@code h} is {@code [layers, stateSize]}, {@code c}
 * {@code [layers, hidden]} for an LSTM and null otherwise. What {@link InferenceSession#openStream(float[], float[])}
 * takes to resume the stream elsewhere.
 */
public record StreamState(float[] h, float[] c) {
}
