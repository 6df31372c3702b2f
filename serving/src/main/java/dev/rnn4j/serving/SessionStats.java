package dev.rnn4j.serving;

/**
 * A snapshot of an {@link InferenceSession} since it opened.
 *
 * @param requests     requests accepted into the queue
 * @param feeds        stream feeds accepted into the queue
 * @param streamSteps  steps run for streams
 * @param batches      batches run (of requests, or of stream feeds)
 * @param largestBatch the most requests or feeds one batch held
 * @param queued       requests and feeds waiting now
 * @param openStreams  streams open now
 * @param queueWait    from a request's or feed's submission to its batch's start
 * @param compute      the batch a request or feed ran in, from its start to its results
 * @param endToEnd     from submission to result (of those that ran; not the timed out or cancelled)
 * @param batchSize    the distribution of batch sizes
 */
public record SessionStats(long requests, long feeds, long streamSteps, long batches, long largestBatch, int queued,
                           int openStreams, LatencySummary queueWait, LatencySummary compute,
                           LatencySummary endToEnd, BatchSizeSummary batchSize) {
    /** Requests or feeds per batch, on average over the batches run (0 before the first). */
    public double meanBatch() {
        return batchSize.mean();
    }
}
