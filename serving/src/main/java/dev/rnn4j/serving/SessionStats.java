package dev.rnn4j.serving;

/**
 * A snapshot of an {@link InferenceSession}'s counts since it opened.
 *
 * @param requests     requests accepted into the queue
 * @param batches      batches run
 * @param largestBatch the most requests one batch held
 * @param queued       requests waiting now
 */
public record SessionStats(long requests, long batches, long largestBatch, int queued) {
    /** Requests per batch run, on average (0 before the first batch); cancelled and timed-out ones count too. */
    public double meanBatch() {
        return batches == 0 ? 0 : (double) (requests - queued) / batches;
    }
}
