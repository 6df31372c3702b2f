package dev.rnn4j;

/**
 * An explicitly requested backend cannot start here. The message carries the probe's reason (driver missing, no
 * device, library version) and what to do about it; rnn4j never falls back to another backend silently.
 */
public class BackendUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String backend;

    /** @param backend provider name; @param message reason and remedy */
    public BackendUnavailableException(String backend, String message) {
        super(message);
        this.backend = backend;
    }

    /** @param backend provider name; @param message reason and remedy; @param cause the underlying failure */
    public BackendUnavailableException(String backend, String message, Throwable cause) {
        super(message, cause);
        this.backend = backend;
    }

    /** The name of the backend that could not start. */
    public String backend() {
        return backend;
    }
}
