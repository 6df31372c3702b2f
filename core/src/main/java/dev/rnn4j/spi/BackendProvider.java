package dev.rnn4j.spi;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;

/**
 * Entry point of a backend, found through {@link java.util.ServiceLoader}: register the implementation in
 * {@code META-INF/services/dev.rnn4j.spi.BackendProvider}. Implementations must have a public no-argument
 * constructor that touches no native library; native code is loaded in {@link #probe()} and {@link #open}, behind
 * guards that turn {@link LinkageError}s into reasons.
 */
public interface BackendProvider {

    /** Short lower-case name users select it by: {@code cuda}, {@code opencl}, {@code cpu}, {@code reference}. */
    String name();

    /** Higher wins in {@code auto} selection: cuda &gt; opencl &gt; cpu &gt; reference. */
    int priority();

    /** Whether the backend can run here, and why not. Never throws; may be slow the first time, then cached. */
    Availability probe();

    /**
     * Opens the backend.
     *
     * @throws dev.rnn4j.BackendUnavailableException when it cannot start, with the reason and a remedy
     */
    Backend open(BackendOptions options);
}
