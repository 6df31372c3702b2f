package dev.rnn4j.fuzz;

/** Settings shared by the fuzz tests. */
public final class FuzzRun {
    /**
     * How long {@code JAZZER_FUZZ=1} fuzzes a target inside {@code mvn verify} (CI's short run). Long runs go through
     * Jazzer's command line with {@code -runs=}, see README.md.
     */
    public static final String CI_DURATION = "10s";

    private FuzzRun() {
    }
}
