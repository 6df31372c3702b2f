package dev.rnn4j.serving;

/** A feed or state read on a {@link SessionStream} that was closed, timed out for idleness, or failed. */
public final class StreamClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    StreamClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
