package dev.rnn4j.bench;

import dev.rnn4j.spi.Backend;

/**
 * A short measurement of a backend's SGEMM rate, the yardstick for "fraction of peak": the best of a few square
 * GEMMs, B rewritten before each (as {@code rnn4j bench --gemm}). The size suits the backend: 256 for the reference
 * (slow by design), 1024 for the CPU, 4096 for GPUs.
 */
final class SgemmPeak {
    private SgemmPeak() {
    }

    /** The square size used for {@code backend}. */
    static int size(Backend backend) {
        return switch (backend.name()) {
            case "reference" -> 256;
            case "cpu" -> 1024;
            default -> 4096;
        };
    }

    /** GFLOP/s: the best of the calls made within about {@code millis} (at least three). */
    static double measure(Backend backend, long millis) {
        int n = size(backend);
        GemmRow row = new GemmRow(n, n, n, false, false);
        try (GemmRow.Bound call = row.bind(backend, false)) {
            call.run();
            double best = Double.POSITIVE_INFINITY;
            long end = System.nanoTime() + millis * 1_000_000L;
            for (int i = 0; i < 3 || System.nanoTime() < end; i++) {
                long t0 = System.nanoTime();
                call.run();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return row.flops() / best / 1e9;
        }
    }
}
