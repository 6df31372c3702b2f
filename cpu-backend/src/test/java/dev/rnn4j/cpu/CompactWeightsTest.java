package dev.rnn4j.cpu;

import static dev.rnn4j.cpu.GemmDeterminismTest.buffer;
import static dev.rnn4j.cpu.GemmDeterminismTest.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.WeightPrecision;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Weights declared bfloat16 or int8 are read from compact panels by the row kernels, and every result has the bits of
 * the float GEMM on the same (rounded) floats: the depth blocks, the tails of two- and four-value words, blocks of a
 * weight's rows (the original GRU's n rows), one and two threads. A write after the declaration returns the GEMM to
 * the floats; a declaration the values do not bear out fails instead of computing with other weights.
 */
class CompactWeightsTest {
    private static final WeightPrecision[] COMPACT = {WeightPrecision.BFLOAT16, WeightPrecision.INT8};

    private static void declare(CpuBuffer b, WeightPrecision p, int rows, int cols, float[] scales) {
        b.compactWeights = new CompactWeights(p, rows, cols, scales, b.version());
    }

    @Test
    void rowKernelsOnCompactPanelsGiveTheFloatKernelsBits() {
        Random r = new Random(3);
        // (rows of W, depth): tails of every length mod 4, past one and two depth blocks, panels narrower than NR.
        int[][] shapes = {{37, 1030}, {100, 1027}, {48, 5}, {1000, 3}, {3 * VectorGemm.NR + 7, 2 * VectorGemm.KC + 1},
                {64, 1}, {17, 2}, {256, 256}};
        for (WorkerPool pool : new WorkerPool[] {new WorkerPool(1), new WorkerPool(2)}) {
            for (WeightPrecision p : COMPACT) {
                for (int[] shape : shapes) {
                    int rows = shape[0];
                    int k = shape[1];
                    float[] w = random(r, rows * k);
                    float[] scales = p.roundInPlace(w, 0, rows, k);
                    for (int m = 1; m <= VectorGemm.SMALL_ROWS; m++) {
                        for (float beta : new float[] {0f, 0.5f}) {
                            float[] a = random(r, m * k);
                            float[] c0 = random(r, m * rows);
                            float[] expected = product(pool, null, m, rows, k, beta, a, w, c0, 0);
                            CpuBuffer declared = buffer(w);
                            declare(declared, p, rows, k, scales);
                            // Twice: packed on the first call, read from the cache on the second.
                            for (int call = 0; call < 2; call++) {
                                float[] got = product(pool, declared, m, rows, k, beta, a, w, c0, 0);
                                assertArrayEquals(expected, got, p + " m=" + m + " " + rows + "×" + k + " call " + call);
                            }
                            assertTrue(declared.packed.holdsCompact(), "compact panels used");
                        }
                    }
                }
            }
        }
    }

    @Test
    void aBlockOfTheRowsReadsItsOwnScales() {
        Random r = new Random(4);
        int rows = 3 * 41;
        int k = 29;
        WorkerPool pool = new WorkerPool(2);
        for (WeightPrecision p : COMPACT) {
            float[] w = random(r, rows * k);
            for (int i = 41 * k; i < 82 * k; i++) {
                w[i] *= 40; // the middle block's rows have scales far from the others'
            }
            float[] scales = p.roundInPlace(w, 0, rows, k);
            float[] a = random(r, k);
            float[] c0 = new float[41];
            float[] expected = product(pool, null, 1, 41, k, 0f, a, w, c0, 41 * k);
            CpuBuffer declared = buffer(w);
            declare(declared, p, rows, k, scales);
            assertArrayEquals(expected, product(pool, declared, 1, 41, k, 0f, a, w, c0, 41 * k), p.label());
            assertTrue(declared.packed.holdsCompact());
        }
    }

    @Test
    void aWriteAfterTheDeclarationReturnsToTheFloats() {
        Random r = new Random(5);
        int rows = 40;
        int k = 30;
        WorkerPool pool = new WorkerPool(1);
        float[] w = random(r, rows * k);
        float[] scales = WeightPrecision.INT8.roundInPlace(w, 0, rows, k);
        CpuBuffer declared = buffer(w);
        declare(declared, WeightPrecision.INT8, rows, k, scales);
        float[] a = random(r, k);
        product(pool, declared, 1, rows, k, 0f, a, w, new float[rows], 0);
        CpuBuffer.floatsForWrite(declared)[7] = 0.123456789f; // no longer q · scale
        float[] changed = CpuBuffer.floatsForRead(declared).clone();
        float[] expected = product(pool, null, 1, rows, k, 0f, a, changed, new float[rows], 0);
        assertArrayEquals(expected, product(pool, declared, 1, rows, k, 0f, a, changed, new float[rows], 0));
    }

    @Test
    void aDeclarationTheValuesDoNotBearOutFailsLoudly() {
        float[] w = random(new Random(6), 16 * 8);
        CpuBuffer declared = buffer(w); // float values, not bfloat16
        declare(declared, WeightPrecision.BFLOAT16, 16, 8, null);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> product(new WorkerPool(1), declared, 1, 16, 8, 0f, new float[8], w, new float[16], 0));
        assertTrue(e.getMessage().contains("not a bfloat16"), e.getMessage());
    }

    @Test
    void theVectorGemmKeepsCompactWeightsTheOthersDoNot() {
        WorkerPool pool = new WorkerPool(1);
        CpuBuffer b = buffer(new float[8]);
        CellKernels cells = VectorKernels.cells();
        CpuPrimitives vector = new CpuPrimitives(pool, new VectorGemm(pool, false, false),
                new Gemm[] {new VectorGemm(pool, false, false), new VectorGemm(pool, false, false)}, cells);
        assertTrue(vector.keepWeightsCompact(b, 2, 4, WeightPrecision.BFLOAT16, null));
        assertEquals(WeightPrecision.BFLOAT16, b.compactWeights.precision());
        assertFalse(vector.keepWeightsCompact(b, 2, 4, WeightPrecision.FLOAT32, null));
        assertEquals(null, b.compactWeights);
        assertThrows(IllegalArgumentException.class, () -> vector.keepWeightsCompact(b, 2, 4, WeightPrecision.INT8,
                new float[1]));
        assertThrows(IllegalArgumentException.class, () -> vector.keepWeightsCompact(b, 3, 4, WeightPrecision.BFLOAT16,
                null));
        CpuPrimitives invariant = new CpuPrimitives(pool, new VectorGemm(pool, false, true),
                new Gemm[] {new VectorGemm(pool, false, true), new VectorGemm(pool, false, true)}, cells);
        assertFalse(invariant.keepWeightsCompact(b, 2, 4, WeightPrecision.BFLOAT16, null));
        CpuPrimitives scalar = new CpuPrimitives(pool, new ScalarGemm(pool),
                new Gemm[] {new ScalarGemm(pool), new ScalarGemm(pool)}, cells);
        assertFalse(scalar.keepWeightsCompact(b, 2, 4, WeightPrecision.INT8, new float[2]));
    }

    /**
     * {@code C = A · Bᵀ + beta·C0} with B the {@code n} rows of W from element {@code bOff} (row stride k), through the
     * vector GEMM: on {@code declared} when given, else on a fresh undeclared buffer of {@code w}.
     */
    private static float[] product(WorkerPool pool, CpuBuffer declared, int m, int n, int k, float beta, float[] a,
                                   float[] w, float[] c0, int bOff) {
        CpuBuffer b = declared != null ? declared : buffer(w);
        CpuBuffer c = buffer(c0);
        new VectorGemm(pool, false, false).gemm(false, true, m, n, k, 1f, buffer(a), 0, k, b, bOff, k, beta, c, 0, n);
        return CpuBuffer.floatsForRead(c).clone();
    }
}
