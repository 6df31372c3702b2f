package dev.rnn4j.serving;

/** The distribution of a session's batch sizes, in requests per batch; all zero before the first batch. */
public record BatchSizeSummary(long batches, long p50, long p99, long max, double mean) {
    static BatchSizeSummary of(org.HdrHistogram.Histogram sizes) {
        if (sizes.getTotalCount() == 0) {
            return new BatchSizeSummary(0, 0, 0, 0, 0);
        }
        return new BatchSizeSummary(sizes.getTotalCount(), sizes.getValueAtPercentile(50),
                sizes.getValueAtPercentile(99), sizes.getMaxValue(), sizes.getMean());
    }
}
