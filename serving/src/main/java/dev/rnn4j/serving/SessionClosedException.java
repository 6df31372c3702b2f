package dev.rnn4j.serving;

/** A request submitted to, or still queued in, an {@link InferenceSession} that was closed. */
public final class SessionClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    SessionClosedException(String message) {
        super(message);
    }
}
