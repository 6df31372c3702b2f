package dev.rnn4j.conformance;

import dev.rnn4j.Layout;
import dev.rnn4j.RnnSpec;

/**
 * One configuration the suite runs.
 *
 * @param name         what it exercises
 * @param spec         the layer stack
 * @param steps        T
 * @param batch        B
 * @param lengths      per-sequence lengths, or null for all T
 * @param initialState whether h0 (and c0) are random rather than absent (zero)
 * @param layout       the layout of inputs and outputs
 */
public record ConformanceCase(String name, RnnSpec spec, int steps, int batch, int[] lengths, boolean initialState,
                              Layout layout) {
    @Override
    public String toString() {
        return spec.cell() + " " + name;
    }
}
