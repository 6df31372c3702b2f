package dev.rnn4j;

/**
 * Opens backends by name, honouring (in order) an explicit argument, the system property {@code rnn4j.backend},
 * the environment variable {@code RNN4J_BACKEND}, else {@code auto}. See {@link BackendSelector} for the rules.
 */
public final class Backends {
    private Backends() {
    }

    /** Opens the backend the property or environment names, or the best available one. */
    public static Backend open() {
        return BackendSelector.installed().open(BackendSelector.requestFromEnvironment());
    }

    /**
     * Opens {@code request} ({@code auto}, {@code cpu}, {@code opencl:1}, ...); null or blank defers to the
     * property, the environment, then {@code auto}.
     */
    public static Backend open(String request) {
        return BackendSelector.installed().open(BackendSelector.request(request, System::getProperty, System::getenv));
    }

    /** As {@link #open(String)}, with options set in code (threads, GEMM, step form, ...). */
    public static Backend open(String request, BackendOptions options) {
        return BackendSelector.installed().open(BackendSelector.request(request, System::getProperty, System::getenv),
                options);
    }
}
