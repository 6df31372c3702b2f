package dev.rnn4j.bench;

import java.io.PrintWriter;
import java.util.function.LongSupplier;

/**
 * A progress bar with ETA on the error stream, for runs longer than a few seconds: nothing for the first
 * {@link #QUIET_NANOS}, then a bar redrawn in place on a terminal, or a plain line every {@link #LINE_NANOS}
 * elsewhere (logs, CI). Progress is counted in work (floating-point operations), so the ETA weighs big rows as
 * the big rows they are.
 */
final class ProgressLine {
    static final long QUIET_NANOS = 3_000_000_000L;
    static final long LINE_NANOS = 10_000_000_000L;
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean terminal;
    private final boolean enabled;
    private final double totalWork;
    private final LongSupplier clock;
    private final long start;
    private double doneWork;
    private long lastPrint;
    private boolean drawn;

    ProgressLine(PrintWriter err, boolean terminal, boolean enabled, double totalWork) {
        this(err, terminal, enabled, totalWork, System::nanoTime);
    }

    /** With a clock of its own, in nanoseconds (tests). */
    ProgressLine(PrintWriter err, boolean terminal, boolean enabled, double totalWork, LongSupplier clock) {
        this.err = err;
        this.terminal = terminal;
        this.enabled = enabled;
        this.totalWork = Math.max(totalWork, 1e-9);
        this.clock = clock;
        this.start = clock.getAsLong();
        // So that off a terminal the first line comes as soon as the quiet time is over, not LINE_NANOS later.
        this.lastPrint = start - LINE_NANOS;
    }

    /** Records {@code work} more done, with {@code label} the item just finished or starting. */
    void advance(double work, String label) {
        doneWork = Math.min(totalWork, doneWork + work);
        long now = clock.getAsLong();
        long elapsed = now - start;
        if (!enabled || elapsed < QUIET_NANOS || (!terminal && now - lastPrint < LINE_NANOS)) {
            return;
        }
        lastPrint = now;
        double fraction = doneWork / totalWork;
        int filled = (int) Math.round(fraction * WIDTH);
        String eta = fraction <= 0 ? "?" : duration((long) (elapsed * (1 - fraction) / fraction));
        String line = String.format("[%s%s] %3.0f%% elapsed %s, ETA %s  %s", "#".repeat(filled),
                ".".repeat(WIDTH - filled), fraction * 100, duration(elapsed), eta, label);
        if (terminal) {
            err.print("\r" + line + "\u001b[K");
            drawn = true;
        } else {
            err.println(line);
        }
        err.flush();
    }

    /** Ends the bar's line, if one was drawn in place. */
    void finish() {
        if (drawn) {
            err.println();
            err.flush();
        }
    }

    static String duration(long nanos) {
        long s = Math.round(nanos / 1e9);
        return s < 60 ? s + "s" : s < 3600 ? (s / 60) + "m" + String.format("%02d", s % 60) + "s"
                : (s / 3600) + "h" + String.format("%02d", s % 3600 / 60) + "m";
    }
}
