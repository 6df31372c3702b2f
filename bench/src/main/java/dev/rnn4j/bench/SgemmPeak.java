package dev.rnn4j.bench;

import dev.rnn4j.Backend;

/**
 * A short measurement of a backend's SGEMM rate, the yardstick for "fraction of peak": the best of a few square
 * GEMMs, B rewritten before each (as {@code rnn4j bench --gemm}). The size suits the backend: 256 for the reference
 * (slow by design), 1024 for the CPU, and for device backends the largest of 512, 1024, 2048, 4096 whose single
 * call stays under {@link #GROWTH_LIMIT_MS} before it (4096 on GPUs, smaller on OpenCL's CPU devices), found once per
 * backend.
 */
final class SgemmPeak {
    /** A size whose call takes longer than this is the last one tried. */
    static final long GROWTH_LIMIT_MS = 25;
    private static final java.util.Map<Backend, Integer> SIZES = new java.util.WeakHashMap<>();

    private SgemmPeak() {
    }

    /** The square size used for {@code backend}. */
    static synchronized int size(Backend backend) {
        return switch (backend.name()) {
            case "reference" -> 256;
            case "cpu" -> 1024;
            default -> SIZES.computeIfAbsent(backend, SgemmPeak::grow);
        };
    }

    private static int grow(Backend backend) {
        int n = 512;
        while (n < 4096) {
            GemmRow row = new GemmRow(n, n, n, false, false);
            try (GemmRow.Bound call = row.bind(backend, false)) {
                call.run();
                long t0 = System.nanoTime();
                call.run();
                if ((System.nanoTime() - t0) / 1_000_000 > GROWTH_LIMIT_MS) {
                    break;
                }
            }
            n *= 2;
        }
        return n;
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
