package dev.rnn4j.train;

/**
 * Stops training when a validation metric (lower is better) has not improved by at least {@code minDelta} for
 * {@code patience} evaluations in a row; remembers the best value and when it was seen.
 */
public final class EarlyStopping {
    private final int patience;
    private final double minDelta;
    private double best = Double.POSITIVE_INFINITY;
    private long bestStep = -1;
    private int stale;

    public EarlyStopping(int patience, double minDelta) {
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be >= 1, got " + patience);
        }
        this.patience = patience;
        this.minDelta = minDelta;
    }

    /** Records the metric at {@code step}; true when it is the best so far (time to checkpoint). */
    public boolean record(long step, double value) {
        if (value < best - minDelta) {
            best = value;
            bestStep = step;
            stale = 0;
            return true;
        }
        stale++;
        return false;
    }

    /** Whether training should stop. */
    public boolean shouldStop() {
        return stale >= patience;
    }

    public double best() {
        return best;
    }

    public long bestStep() {
        return bestStep;
    }
}
