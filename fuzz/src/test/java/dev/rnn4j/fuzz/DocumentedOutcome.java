package dev.rnn4j.fuzz;

import dev.rnn4j.io.MalformedFileException;

/**
 * What a fuzz target may do with an input: return, or refuse it with a {@link MalformedFileException} or an
 * {@link IllegalArgumentException} whose message says what is wrong. Anything else escapes and is a finding:
 * another exception, an error such as {@code OutOfMemoryError}, a bare {@code NumberFormatException} (whose message
 * names no field), a refusal without a message, or an input that takes longer than {@link #LIMIT_NANOS}.
 */
public final class DocumentedOutcome {
    /**
     * One second (no input of a few kilobytes has a reason to take longer), or {@code -Drnn4j.fuzz.limitMillis}:
     * CI's short runs allow more, as shared machines stall now and then.
     */
    static final long LIMIT_NANOS = Long.getLong("rnn4j.fuzz.limitMillis", 1000) * 1_000_000L;
    /** The first inputs of a JVM also load and compile the readers; they are exempt from the time limit. */
    private static final int WARM_UP_INPUTS = 50;
    private static int inputs;

    private DocumentedOutcome() {
    }

    /** An action on one input. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    /** Runs {@code action}, letting through only the documented outcomes. */
    public static void of(Action action) throws Exception {
        long start = System.nanoTime();
        try {
            action.run();
        } catch (MalformedFileException e) {
            requireMessage(e);
        } catch (NumberFormatException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            requireMessage(e);
        }
        long took = System.nanoTime() - start;
        if (++inputs > WARM_UP_INPUTS && took > LIMIT_NANOS) {
            throw new AssertionError("one input took " + took / 1_000_000 + " ms, over the "
                    + LIMIT_NANOS / 1_000_000 + " ms limit");
        }
    }

    private static void requireMessage(Exception e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            throw new AssertionError("refused without a message", e);
        }
    }
}
