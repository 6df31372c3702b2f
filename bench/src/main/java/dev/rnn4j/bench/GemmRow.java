package dev.rnn4j.bench;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.WeightPrecision;
import dev.rnn4j.spi.Transpose;
import java.util.Random;

/**
 * One SGEMM benchmark row, {@code gemm:M:N:K[:TA:TB]}: {@code C[M×N] = op(A)·op(B)} with op(A) {@code M×K} and
 * op(B) {@code K×N}, row-major, TA/TB {@code N} (as stored) or {@code T} (transposed), as
 * {@code bench/peer/torch_mm_bench.py} times {@code torch.mm} on the same rows.
 */
public record GemmRow(int m, int n, int k, boolean transA, boolean transB) {

    /** Parses a row; the message says what was expected. */
    public static GemmRow parse(String row) {
        String[] p = row.trim().split(":");
        if ((p.length != 4 && p.length != 6) || !p[0].equals("gemm")) {
            throw new IllegalArgumentException("bad row '" + row + "': expected gemm:M:N:K[:TA:TB], TA/TB N or T");
        }
        try {
            int m = Integer.parseInt(p[1]);
            int n = Integer.parseInt(p[2]);
            int k = Integer.parseInt(p[3]);
            if (m < 1 || n < 1 || k < 1) {
                throw new IllegalArgumentException("bad row '" + row + "': M, N, K must be >= 1");
            }
            boolean ta = p.length == 6 && flag(p[4], row);
            boolean tb = p.length == 6 && flag(p[5], row);
            return new GemmRow(m, n, k, ta, tb);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad row '" + row + "': " + e.getMessage());
        }
    }

    private static boolean flag(String f, String row) {
        return switch (f) {
            case "N", "n" -> false;
            case "T", "t" -> true;
            default -> throw new IllegalArgumentException("bad row '" + row + "': TA/TB must be N or T, got " + f);
        };
    }

    /** Floating-point operations of one call, 2·M·N·K. */
    public double flops() {
        return 2.0 * m * n * k;
    }

    /**
     * Allocates the operands on {@code backend}; the result's {@code run} is one timed call. Unless {@code keepB},
     * a call first rewrites one element of B, so a backend that keeps packed copies of unchanged operands must pack
     * B again, as a BLAS does on every call. Close it to free the operands.
     */
    public Bound bind(Backend backend, boolean keepB) {
        return new Bound(backend, keepB, WeightPrecision.FLOAT32);
    }

    /**
     * As {@link #bind(Backend, boolean)} with B a weight matrix held to {@code precision}: its values rounded and
     * declared to the backend ({@code Primitives.keepWeightsCompact}), and never rewritten between calls.
     *
     * @throws IllegalArgumentException for a reduced precision on a B that is not transposed (a weight is [N×K])
     */
    public Bound bind(Backend backend, WeightPrecision precision) {
        if (precision != WeightPrecision.FLOAT32 && !transB) {
            throw new IllegalArgumentException(precision.label() + " weights need a transposed B (TB = T): " + this);
        }
        return new Bound(backend, true, precision);
    }

    /** The operands of this row on one backend, and the call. */
    public final class Bound implements Runnable, AutoCloseable {
        private final Backend backend;
        private final boolean keepB;
        private final DeviceBuffer a;
        private final DeviceBuffer b;
        private final DeviceBuffer c;
        private final float[] touch = {0.5f};
        private final float[] sink = new float[1];

        private Bound(Backend backend, boolean keepB, WeightPrecision precision) {
            this.backend = backend;
            this.keepB = keepB;
            Random r = new Random(1);
            DeviceBuffer da = null;
            DeviceBuffer db = null;
            try {
                da = upload(backend, random(r, (long) m * k));
                float[] bv = random(r, (long) k * n);
                // A weight [N×K]: rounded by rows, as a layer rounds its weight matrices.
                float[] scales = precision.roundInPlace(bv, 0, n, k);
                db = upload(backend, bv);
                if (precision != WeightPrecision.FLOAT32) {
                    backend.primitives().keepWeightsCompact(db, n, k, precision, scales);
                }
                this.c = backend.allocate((long) m * n);
            } catch (RuntimeException | Error e) {
                if (da != null) {
                    da.close();
                }
                if (db != null) {
                    db.close();
                }
                throw e;
            }
            this.a = da;
            this.b = db;
        }

        @Override
        public void run() {
            if (!keepB) {
                backend.upload(touch, 0, b, 0, 1);
            }
            backend.primitives().gemm(transA ? Transpose.YES : Transpose.NO, transB ? Transpose.YES : Transpose.NO,
                    m, n, k, 1f, a, 0, transA ? m : k, b, 0, transB ? k : n, 0f, c, 0, n);
            // Primitives only enqueue; a one-float download waits for the work on asynchronous backends.
            backend.download(c, 0, sink, 0, 1);
        }

        @Override
        public void close() {
            a.close();
            b.close();
            c.close();
        }
    }

    private static float[] random(Random r, long n) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static DeviceBuffer upload(Backend backend, float[] v) {
        long n = v.length;
        DeviceBuffer d = backend.allocate(n);
        backend.upload(v, 0, d, 0, v.length);
        return d;
    }

    @Override
    public String toString() {
        String s = "gemm:" + m + ":" + n + ":" + k;
        return transA || transB ? s + ":" + (transA ? "T" : "N") + ":" + (transB ? "T" : "N") : s;
    }
}
