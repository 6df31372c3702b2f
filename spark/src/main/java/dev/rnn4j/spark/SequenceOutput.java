package dev.rnn4j.spark;

import java.util.Locale;

/** What {@link RecurrentTransformer} writes for each sequence. */
public enum SequenceOutput {
    /** The top layer's final hidden state, its directions side by side: {@code [D·P]} values. */
    FINAL_STATE,
    /** The output at every step of the sequence's own length: {@code [length, D·P]} values, step-major. */
    SEQUENCE;

    /** From a parameter's text: {@code final_state} or {@code sequence}. */
    static SequenceOutput parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("output must be final_state or sequence, got '" + text + "'", e);
        }
    }
}
