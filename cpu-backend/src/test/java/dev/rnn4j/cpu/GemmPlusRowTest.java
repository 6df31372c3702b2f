package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.ElementType;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code gemmPlusRow} (a layer's input projection plus its bias) gives the bits of the row copied into C and the
 * product added with beta 1, on every path of the vector GEMM: the row added as the first depth block stores (long
 * A, one or several depth blocks, A read in place or packed as panels or rows, one or two threads) and the
 * fallbacks (short A, k = 0). The layers' results must not depend on which of the two a backend does.
 */
class GemmPlusRowTest {
    private static final int OFF = 3;

    private static CpuBuffer random(Random r, int n) {
        CpuBuffer b = new CpuBuffer(ElementType.FLOAT32, n);
        float[] v = CpuBuffer.floatsForWrite(b);
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return b;
    }

    /** C after the default: the row broadcast into C, then C += op(A)·op(B). */
    private static float[] byDefault(Gemm g, boolean transA, int m, int n, int k, CpuBuffer a, CpuBuffer b,
                                     CpuBuffer row, float[] cStart) {
        CpuBuffer c = copy(cStart);
        float[] rv = CpuBuffer.floatsForRead(row);
        float[] cv = CpuBuffer.floatsForWrite(c);
        for (int i = 0; i < m; i++) {
            System.arraycopy(rv, OFF, cv, OFF + i * n, n);
        }
        g.gemm(transA, true, m, n, k, 1f, a, OFF, transA ? m : k, b, OFF, k, 1f, c, OFF, n);
        return CpuBuffer.floatsForRead(c);
    }

    private static CpuBuffer copy(float[] v) {
        CpuBuffer c = new CpuBuffer(ElementType.FLOAT32, v.length);
        System.arraycopy(v, 0, CpuBuffer.floatsForWrite(c), 0, v.length);
        return c;
    }

    @Test
    void addingTheRowInTheStoreGivesTheBitsOfBroadcastThenGemm() {
        Random r = new Random(11);
        int[][] shapes = {{65, 48, 33}, {200, 100, 1}, {97, 4096 / 8, VectorGemm.KC}, {130, 61, VectorGemm.KC + 7},
                {1600, 96, 40}, {64, 200, 50}, {3, 70, 20}, {100, 30, 0}};
        for (WorkerPool pool : new WorkerPool[] {new WorkerPool(1), new WorkerPool(2)}) {
            for (boolean packRows : new boolean[] {false, true}) {
                for (boolean transA : new boolean[] {false, true}) {
                    for (int[] s : shapes) {
                        int m = s[0];
                        int n = s[1];
                        int k = s[2];
                        CpuBuffer a = random(r, OFF + m * k);
                        CpuBuffer b = random(r, OFF + n * k);
                        CpuBuffer row = random(r, OFF + n);
                        // C starts with garbage (NaN included): the result must not read it.
                        float[] cStart = new float[OFF + m * n + 2];
                        for (int i = 0; i < cStart.length; i++) {
                            cStart[i] = i % 7 == 0 ? Float.NaN : (float) r.nextGaussian();
                        }
                        VectorGemm g = new VectorGemm(pool, packRows);
                        float[] expected = byDefault(g, transA, m, n, k, a, b, row, cStart);
                        CpuBuffer c = copy(cStart);
                        g.gemmPlusRow(transA, true, m, n, k, a, OFF, transA ? m : k, b, OFF, k, row, OFF, c, OFF);
                        String what = m + "x" + n + "x" + k + (transA ? " Aᵀ" : "") + ", " + pool.parts()
                                + " threads, " + (packRows ? "rows" : "panels");
                        assertArrayEquals(expected, CpuBuffer.floatsForRead(c), what);
                        // Once more, B now packed in the cache: the same bits.
                        CpuBuffer again = copy(cStart);
                        g.gemmPlusRow(transA, true, m, n, k, a, OFF, transA ? m : k, b, OFF, k, row, OFF, again,
                                OFF);
                        assertArrayEquals(expected, CpuBuffer.floatsForRead(again), what + ", B cached");
                    }
                }
            }
        }
    }

    @Test
    void theScalarTwinAddsTheRowToo() {
        Random r = new Random(12);
        int m = 5;
        int n = 7;
        int k = 3;
        CpuBuffer a = random(r, OFF + m * k);
        CpuBuffer b = random(r, OFF + n * k);
        CpuBuffer row = random(r, OFF + n);
        CpuBuffer c = new CpuBuffer(ElementType.FLOAT32, OFF + m * n);
        new ScalarGemm(new WorkerPool(1)).gemmPlusRow(false, true, m, n, k, a, OFF, k, b, OFF, k, row, OFF, c, OFF);
        float[] av = CpuBuffer.floatsForRead(a);
        float[] bv = CpuBuffer.floatsForRead(b);
        float[] rv = CpuBuffer.floatsForRead(row);
        float[] cv = CpuBuffer.floatsForRead(c);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = rv[OFF + j];
                for (int p = 0; p < k; p++) {
                    sum += (double) av[OFF + i * k + p] * bv[OFF + j * k + p];
                }
                assertEquals(sum, cv[OFF + i * n + j], 1e-5, "(" + i + ", " + j + ")");
            }
        }
    }
}
