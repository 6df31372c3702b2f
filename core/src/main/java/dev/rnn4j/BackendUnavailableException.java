package dev.rnn4j;

import dev.rnn4j.spi.Availability;

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

    /** The exception for a backend whose probe said no: its reason, its remedy, and how to take another one. */
    public static BackendUnavailableException of(String backend, Availability probe) {
        return new BackendUnavailableException(backend, "backend '" + backend + "' cannot start: " + probe.detail()
                + (probe.remedy().isEmpty() ? "" : ". To fix: " + probe.remedy())
                + ". (Set " + BackendSelector.ENVIRONMENT + "=auto or -D" + BackendSelector.PROPERTY
                + "=auto to take the best available one.)");
    }

    /** The name of the backend that could not start. */
    public String backend() {
        return backend;
    }
}
