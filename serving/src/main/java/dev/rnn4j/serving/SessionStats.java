package dev.rnn4j.serving;

/**
 * A snapshot of an {@link InferenceSession} since it opened.
 *
 * @param requests     requests accepted into the queue
 * @param batches      batches run
 * @param largestBatch the most requests one batch held
 * @param queued       requests waiting now
 * @param queueWait    from a request's submission to its batch's start
 * @param compute      the batch a request ran in, from its start to its results
 * @param endToEnd     from a request's submission to its result (requests that ran; not the timed out or cancelled)
 * @param batchSize    the distribution of batch sizes
 */
public record SessionStats(long requests, long batches, long largestBatch, int queued,
                           LatencySummary queueWait, LatencySummary compute, LatencySummary endToEnd,
                           BatchSizeSummary batchSize) {
    /** Requests per batch, on average over the batches run (0 before the first). */
    public double meanBatch() {
        return batchSize.mean();
    }
}
