package dev.rnn4j.bench;

/**
 * The timing discipline every bench figure shares, the PyTorch peer scripts' own: warm up for a while (at least one
 * call), find how many back-to-back calls make a sample last at least {@code minSampleMs}, then take {@code reps}
 * samples of that many calls.
 */
final class SampleTimer {
    /** Receives each sample. */
    interface Sink {
        /** Before sample {@code k} starts (reset per-sample counters here). */
        default void beforeSample(int k) {
        }

        /** Sample {@code k} took {@code nanos} for {@code calls} calls. */
        void sample(int k, int calls, long nanos);
    }

    private SampleTimer() {
    }

    static void run(Runnable call, long warmupMs, long minSampleMs, int reps, Sink sink) {
        long start = System.nanoTime();
        do {
            call.run();
        } while (System.nanoTime() - start < warmupMs * 1_000_000L);
        int n = 1;
        while (true) {
            long s = System.nanoTime();
            for (int i = 0; i < n; i++) {
                call.run();
            }
            if (System.nanoTime() - s >= minSampleMs * 1_000_000L) {
                break;
            }
            n *= 2;
        }
        for (int k = 0; k < reps; k++) {
            sink.beforeSample(k);
            long s = System.nanoTime();
            for (int i = 0; i < n; i++) {
                call.run();
            }
            sink.sample(k, n, System.nanoTime() - s);
        }
    }
}
