package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.ElementType;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The CPU GEMM's result depends on the call's shape and operands alone, never on which calls came before: a weight
 * matrix is computed with on its first use (packed into scratch, or the swapped product Cᵀ = B·Aᵀ), and from the packed
 * cache later, and every one of those paths must give the same bits. Without this, a model's outputs change in the
 * last bits after an unrelated call (a validation pass), and a resumed training run drifts from the uninterrupted
 * one.
 */
class GemmDeterminismTest {
    /** A CPU buffer holding {@code values} (shared with the other GEMM tests of this package). */
    static CpuBuffer buffer(float[] values) {
        CpuBuffer b = new CpuBuffer(ElementType.FLOAT32, values.length);
        System.arraycopy(values, 0, CpuBuffer.floatsForWrite(b), 0, values.length);
        return b;
    }

    /** {@code n} standard normal values. */
    static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void repeatedCallsGiveTheBitsOfTheFirst() {
        WorkerPool pool = new WorkerPool(2);
        Random r = new Random(1);
        int[] rows = {1, 2, 3, 4, 5, 8, 9, 12, 13, 21, 32, 36, 50, 64, 65, 100, 200};
        // 128: three panels at 512-bit vectors, which two threads share out by tiles rather than by panels.
        int[] cols = {16, 52, 64, 128, 256, 1024};
        // The last two: one depth block and a tail, two blocks and a tail.
        int[] depths = {8, 16, 100, 256, 1000, VectorGemm.KC + 3, 2 * VectorGemm.KC + 5};
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {true, false}) {
                for (int m : rows) {
                    for (int n : cols) {
                        for (int k : depths) {
                            if ((long) m * n * k > 30_000_000L) {
                                continue;
                            }
                            float[] av = random(r, m * k);
                            float[] bv = random(r, n * k);
                            float[] cv = random(r, m * n);
                            for (float beta : new float[] {0f, 1f}) {
                                check(pool, transA, transB, m, n, k, beta, av, bv, cv);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void bothPackingsOfAGiveTheSameBits() {
        // A packed as MR-row panels (JDK 17's choice) or as plain rows (JDK 25's): the same multiply-adds in the
        // same order, so a model gives the same bits on either JDK.
        WorkerPool pool = new WorkerPool(2);
        Random r = new Random(5);
        for (boolean transA : new boolean[] {true, false}) {
            for (float alpha : new float[] {1f, 0.75f}) {
                if (!transA && alpha == 1f) {
                    continue; // read in place, never packed
                }
                int kc = VectorGemm.KC;
                for (int[] shape : new int[][] {{2048, 512, 1600}, {97, 61, kc + 1}, {5, 40, 9}, {200, 130, 2 * kc + 32}}) {
                    int m = shape[0];
                    int n = shape[1];
                    int k = shape[2];
                    float[] av = random(r, m * k);
                    float[] bv = random(r, n * k);
                    float[] cv = random(r, m * n);
                    float[][] results = new float[2][];
                    for (int v = 0; v < 2; v++) {
                        CpuBuffer c = buffer(cv);
                        new VectorGemm(pool, v == 1).gemm(transA, false, m, n, k, alpha, buffer(av), 0,
                                transA ? m : k, buffer(bv), 0, n, 0.5f, c, 0, n);
                        results[v] = CpuBuffer.floatsForRead(c).clone();
                    }
                    assertArrayEquals(results[0], results[1], "transA " + transA + ", alpha " + alpha + ", "
                            + m + "x" + n + "x" + k);
                }
            }
        }
    }

    @Test
    void thePackingFollowsTheJdkUnlessAskedFor() {
        assertFalse(GemmPacking.aAsRows(null, 17));
        assertFalse(GemmPacking.aAsRows(" ", 21));
        assertTrue(GemmPacking.aAsRows(null, 25));
        assertTrue(GemmPacking.aAsRows("rows", 17));
        assertFalse(GemmPacking.aAsRows("panels", 25));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GemmPacking.aAsRows("fast", 25));
        assertEquals("-Drnn4j.cpu.packA must be panels or rows, got 'fast'", e.getMessage());
    }

    private static void check(WorkerPool pool, boolean transA, boolean transB, int m, int n, int k, float beta,
                              float[] av, float[] bv, float[] cv) {
        CpuBuffer a = buffer(av);
        CpuBuffer b = buffer(bv);
        VectorGemm gemm = new VectorGemm(pool);
        float[] first = null;
        for (int call = 0; call < 4; call++) {
            CpuBuffer c = buffer(cv);
            gemm.gemm(transA, transB, m, n, k, 1f, a, 0, transA ? m : k, b, 0, transB ? k : n, beta, c, 0, n);
            float[] got = CpuBuffer.floatsForRead(c);
            if (first == null) {
                first = got.clone();
            } else {
                assertArrayEquals(first, got, "call " + call + " of " + (transA ? "Aᵀ" : "A") + "·"
                        + (transB ? "Bᵀ" : "B") + " m=" + m + " n=" + n + " k=" + k + " beta=" + beta);
            }
        }
    }
}
