package dev.rnn4j.serving;

/**
 * Percentiles of one kind of latency, in milliseconds, over every request recorded so far (HdrHistogram, three
 * significant digits); all zero before the first.
 */
public record LatencySummary(long count, double p50Ms, double p95Ms, double p99Ms, double maxMs, double meanMs) {
    static LatencySummary of(org.HdrHistogram.Histogram nanos) {
        if (nanos.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0);
        }
        return new LatencySummary(nanos.getTotalCount(), ms(nanos.getValueAtPercentile(50)),
                ms(nanos.getValueAtPercentile(95)), ms(nanos.getValueAtPercentile(99)), ms(nanos.getMaxValue()),
                nanos.getMean() / 1e6);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "p50 %.3f ms, p95 %.3f, p99 %.3f, max %.3f (%d)", p50Ms, p95Ms,
                p99Ms, maxMs, count);
    }
}
