package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.ElementType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vector GEMM and its scalar twin against a double-precision triple loop, over shapes that cross every
 * blocking boundary (MR, NR, MC, KC), transposes, offsets, leading dimensions wider than the matrix, alpha and
 * beta, on one thread and on several.
 */
class GemmTest {
    private static final WorkerPool ONE_THREAD = new WorkerPool(1);
    private static final WorkerPool THREE_THREADS = new WorkerPool(3);
    private static final WorkerPool TWO_THREADS = new WorkerPool(2);

    record Shape(int m, int n, int k, boolean ta, boolean tb, float alpha, float beta, int pad) {
        @Override
        public String toString() {
            return m + "x" + n + "x" + k + (ta ? " Aᵀ" : "") + (tb ? " Bᵀ" : "") + " alpha=" + alpha + " beta=" + beta
                    + " pad=" + pad;
        }
    }

    static Stream<Shape> shapes() {
        List<Shape> out = new ArrayList<>();
        int kc = VectorGemm.KC;
        int[][] mnk = {{1, 1, 1}, {1, 1024, 256}, {3, 17, 5}, {8, 48, 16}, {9, 49, kc + 1}, {32, 1024, 256},
                {97, 100, 30}, {200, 70, 400}, {64, 2048, 512}, {1600, 64, 33}, {400, 200, 50}, {250, 97, 2 * kc + 32},
                {5, 60, 0}, {300, 50, 0}, {3, 17, 40}, {4, 100, 1000}, {2, 9, 4097}};
        for (int[] s : mnk) {
            for (int t = 0; t < 4; t++) {
                out.add(new Shape(s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, t == 3 ? 0.5f : 1f,
                        t == 1 ? 0f : t == 2 ? 1f : -0.75f, t * 3));
            }
            // Untransposed A with alpha != 1 and a beta that is neither 0 nor 1: the packing's general path.
            out.add(new Shape(s[0], s[1], s[2], false, false, -1.5f, 0.5f, 1));
            // Bᵀ with alpha and beta: for short A the row kernels (rows and columns past the tile, k tails).
            out.add(new Shape(s[0], s[1], s[2], false, true, 0.5f, -0.75f, 2));
        }
        return out.stream();
    }

    /** Operands in padded buffers at an offset; returns {a, b, c} arrays and fills the buffers. */
    static final class Problem {
        final Shape s;
        final CpuBuffer a;
        final CpuBuffer b;
        final CpuBuffer c;
        final int lda;
        final int ldb;
        final int ldc;
        final int off;
        final double[] expected;

        Problem(Shape s, long seed) {
            this.s = s;
            Random r = new Random(seed);
            off = 5;
            int aRows = s.ta() ? s.k() : s.m();
            int aCols = s.ta() ? s.m() : s.k();
            int bRows = s.tb() ? s.n() : s.k();
            int bCols = s.tb() ? s.k() : s.n();
            lda = aCols + s.pad();
            ldb = bCols + s.pad();
            ldc = s.n() + s.pad();
            a = filled(r, off + aRows * lda);
            b = filled(r, off + bRows * ldb);
            c = filled(r, off + s.m() * ldc);
            float[] av = CpuBuffer.floatsForRead(a);
            float[] bv = CpuBuffer.floatsForRead(b);
            float[] cv = CpuBuffer.floatsForRead(c);
            expected = new double[s.m() * s.n()];
            for (int i = 0; i < s.m(); i++) {
                for (int j = 0; j < s.n(); j++) {
                    double sum = 0;
                    for (int p = 0; p < s.k(); p++) {
                        double x = s.ta() ? av[off + p * lda + i] : av[off + i * lda + p];
                        double y = s.tb() ? bv[off + j * ldb + p] : bv[off + p * ldb + j];
                        sum += x * y;
                    }
                    expected[i * s.n() + j] = s.alpha() * sum + (s.beta() == 0 ? 0 : s.beta() * cv[off + i * ldc + j]);
                }
            }
        }

        static CpuBuffer filled(Random r, int n) {
            CpuBuffer buf = new CpuBuffer(ElementType.FLOAT32, n);
            float[] v = CpuBuffer.floatsForWrite(buf);
            for (int i = 0; i < n; i++) {
                v[i] = (float) (r.nextDouble() * 2 - 1);
            }
            return buf;
        }

        void run(Gemm g) {
            g.gemm(s.ta(), s.tb(), s.m(), s.n(), s.k(), s.alpha(), a, off, lda, b, off, ldb, s.beta(), c, off, ldc);
        }

        /** Worst |error| relative to sqrt(k) (the growth of float rounding in a sum of k products). */
        void check(String what) {
            float[] cv = CpuBuffer.floatsForRead(c);
            double bound = 2e-6 * Math.sqrt(Math.max(1, s.k())) * 4;
            for (int i = 0; i < s.m(); i++) {
                for (int j = 0; j < s.n(); j++) {
                    double e = expected[i * s.n() + j];
                    double got = cv[off + i * ldc + j];
                    assertTrue(Math.abs(got - e) <= bound * (1 + Math.abs(e)),
                            what + " " + s + " at (" + i + ", " + j + "): expected " + e + ", got " + got);
                }
                // Padding between rows is untouched.
                for (int j = s.n(); j < ldc && i < s.m() - 1; j++) {
                    assertTrue(Float.isFinite(cv[off + i * ldc + j]));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void vectorGemmMatchesDoubleReference(Shape s) {
        for (WorkerPool pool : new WorkerPool[] {ONE_THREAD, THREE_THREADS}) {
            for (boolean rows : new boolean[] {false, true}) {
                for (boolean batchInvariant : new boolean[] {false, true}) {
                    Problem p = new Problem(s, s.hashCode());
                    p.run(new VectorGemm(pool, rows, batchInvariant));
                    p.check("vector, " + pool.parts() + " threads, A packed as " + (rows ? "rows" : "panels")
                            + (batchInvariant ? ", batch-invariant" : ""));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void scalarGemmMatchesDoubleReference(Shape s) {
        Problem p = new Problem(s, s.hashCode());
        p.run(new ScalarGemm(TWO_THREADS));
        p.check("scalar");
    }

    @Test
    void packedWeightsAreReusedUntilTheBufferIsWritten() {
        WorkerPool pool = TWO_THREADS;
        VectorGemm g = new VectorGemm(pool);
        Shape s = new Shape(32, 300, 100, false, true, 1f, 0f, 0);
        Problem p = new Problem(s, 1);
        p.run(g);
        PackedOperandCache.Entry e = p.b.packed.lookup(p.off, p.ldb, true, s.k(), s.n(), p.b.version());
        e.uses--; // undo this probe's own count
        p.run(g);
        assertTrue(e.valid, "second use at the same version packs into the cache");
        float[] cached = e.panels;
        p.run(g);
        assertSame(cached, e.panels, "third use reuses the panels");
        p.check("cached");

        // Writing B (as an upload does) must invalidate the packed copy: results follow the new values.
        float[] bv = CpuBuffer.floatsForWrite(p.b);
        for (int i = 0; i < bv.length; i++) {
            bv[i] = -bv[i];
        }
        Problem fresh = new Problem(s, 1);
        float[] negated = CpuBuffer.floatsForWrite(fresh.b);
        for (int i = 0; i < negated.length; i++) {
            negated[i] = -negated[i];
        }
        p.run(g);
        float[] got = CpuBuffer.floatsForRead(p.c);
        fresh.run(new ScalarGemm(pool));
        float[] want = CpuBuffer.floatsForRead(fresh.c);
        for (int i = 0; i < s.m() * s.n(); i++) {
            assertEquals(want[p.off + i], got[p.off + i], 1e-4f, "element " + i);
        }
    }
}
