package dev.rnn4j.cpu;

import static dev.rnn4j.cpu.VectorGemm.DOT_MR;
import static dev.rnn4j.cpu.VectorGemm.DOT_NR;
import static dev.rnn4j.cpu.VectorGemm.S;
import static dev.rnn4j.cpu.VectorGemm.VL;

import jdk.incubator.vector.FloatVector;

/**
 * The small-m path: for an A of a few rows (batch 1 to {@link VectorGemm#DOT_ROWS}) and a transposed B, C as dot
 * products of rows of A and of Bᵀ, unpacked, a tile of up to DOT_MR × DOT_NR accumulators at a time.
 */
final class DotKernels {
    private DotKernels() {
    }

    /**
     * Rows of A per dot-product tile for an A of {@code m ≤ DOT_ROWS} rows: 1, 2 or 3, so that no tile spends its
     * multiply-adds on repeated rows (batch 1 and 2 with the three-row kernel ran 2.4 times slower, measured). Each
     * kernel sums a C element in the same order (VL lanes over k, then the lanes in turn), so which one computed it
     * never shows in its bits. On 16-register machines always 1: the two- and three-row tiles (16 and 24
     * accumulators) would spill.
     */
    static int dotRows(int m) {
        if (!VectorGemm.WIDE_REGISTERS) {
            return 1;
        }
        return m == 1 ? 1 : m == 2 || m == 4 ? 2 : DOT_MR;
    }

    /** {@link #dotKernel} for one row of A: the matrix-vector product of batch 1, bound by the loads of Bᵀ. */
    static void dotKernel1(float[] a, int a0, float[] b, int b0, int b1, int b2, int b3, int b4, int b5, int b6,
                           int b7, int kVec, float[] tile) {
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S), s4 = FloatVector.zero(S), s5 = FloatVector.zero(S);
        FloatVector s6 = FloatVector.zero(S), s7 = FloatVector.zero(S);
        for (int p = 0; p < kVec; p += VL) {
            FloatVector x = FloatVector.fromArray(S, a, a0 + p);
            s0 = x.fma(FloatVector.fromArray(S, b, b0 + p), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, b1 + p), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, b2 + p), s2);
            s3 = x.fma(FloatVector.fromArray(S, b, b3 + p), s3);
            s4 = x.fma(FloatVector.fromArray(S, b, b4 + p), s4);
            s5 = x.fma(FloatVector.fromArray(S, b, b5 + p), s5);
            s6 = x.fma(FloatVector.fromArray(S, b, b6 + p), s6);
            s7 = x.fma(FloatVector.fromArray(S, b, b7 + p), s7);
        }
        s0.intoArray(tile, 0 * VL);
        s1.intoArray(tile, 1 * VL);
        s2.intoArray(tile, 2 * VL);
        s3.intoArray(tile, 3 * VL);
        s4.intoArray(tile, 4 * VL);
        s5.intoArray(tile, 5 * VL);
        s6.intoArray(tile, 6 * VL);
        s7.intoArray(tile, 7 * VL);
    }

    /** {@link #dotKernel} for two rows of A. */
    static void dotKernel2(float[] a, int a0, int a1, float[] b, int b0, int b1, int b2, int b3, int b4, int b5,
                           int b6, int b7, int kVec, float[] tile) {
        FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S), s02 = FloatVector.zero(S);
        FloatVector s03 = FloatVector.zero(S), s04 = FloatVector.zero(S), s05 = FloatVector.zero(S);
        FloatVector s06 = FloatVector.zero(S), s07 = FloatVector.zero(S);
        FloatVector s10 = FloatVector.zero(S), s11 = FloatVector.zero(S), s12 = FloatVector.zero(S);
        FloatVector s13 = FloatVector.zero(S), s14 = FloatVector.zero(S), s15 = FloatVector.zero(S);
        FloatVector s16 = FloatVector.zero(S), s17 = FloatVector.zero(S);
        for (int p = 0; p < kVec; p += VL) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector w;
            w = FloatVector.fromArray(S, b, b0 + p);
            s00 = x0.fma(w, s00); s10 = x1.fma(w, s10);
            w = FloatVector.fromArray(S, b, b1 + p);
            s01 = x0.fma(w, s01); s11 = x1.fma(w, s11);
            w = FloatVector.fromArray(S, b, b2 + p);
            s02 = x0.fma(w, s02); s12 = x1.fma(w, s12);
            w = FloatVector.fromArray(S, b, b3 + p);
            s03 = x0.fma(w, s03); s13 = x1.fma(w, s13);
            w = FloatVector.fromArray(S, b, b4 + p);
            s04 = x0.fma(w, s04); s14 = x1.fma(w, s14);
            w = FloatVector.fromArray(S, b, b5 + p);
            s05 = x0.fma(w, s05); s15 = x1.fma(w, s15);
            w = FloatVector.fromArray(S, b, b6 + p);
            s06 = x0.fma(w, s06); s16 = x1.fma(w, s16);
            w = FloatVector.fromArray(S, b, b7 + p);
            s07 = x0.fma(w, s07); s17 = x1.fma(w, s17);
        }
        s00.intoArray(tile, 0 * VL);
        s01.intoArray(tile, 1 * VL);
        s02.intoArray(tile, 2 * VL);
        s03.intoArray(tile, 3 * VL);
        s04.intoArray(tile, 4 * VL);
        s05.intoArray(tile, 5 * VL);
        s06.intoArray(tile, 6 * VL);
        s07.intoArray(tile, 7 * VL);
        s10.intoArray(tile, 8 * VL);
        s11.intoArray(tile, 9 * VL);
        s12.intoArray(tile, 10 * VL);
        s13.intoArray(tile, 11 * VL);
        s14.intoArray(tile, 12 * VL);
        s15.intoArray(tile, 13 * VL);
        s16.intoArray(tile, 14 * VL);
        s17.intoArray(tile, 15 * VL);
    }

    /**
     * Three rows of A (at a0, a1, a2) dotted with eight rows of Bᵀ (b0..b7) over [0, kVec), kVec a multiple of VL,
     * into the VL lanes at {@code tile[(r·DOT_NR + c)·VL]} (the caller sums them): per VL-wide step three loads
     * of A, eight of B and 24 multiply-adds into vector accumulators. Branch-free, no vector crossing a call.
     */
    static void dotKernel(float[] a, int a0, int a1, int a2, float[] b, int b0, int b1, int b2, int b3, int b4,
                          int b5, int b6, int b7, int kVec, float[] tile) {
        FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S), s02 = FloatVector.zero(S);
        FloatVector s03 = FloatVector.zero(S), s04 = FloatVector.zero(S), s05 = FloatVector.zero(S);
        FloatVector s06 = FloatVector.zero(S), s07 = FloatVector.zero(S);
        FloatVector s10 = FloatVector.zero(S), s11 = FloatVector.zero(S), s12 = FloatVector.zero(S);
        FloatVector s13 = FloatVector.zero(S), s14 = FloatVector.zero(S), s15 = FloatVector.zero(S);
        FloatVector s16 = FloatVector.zero(S), s17 = FloatVector.zero(S);
        FloatVector s20 = FloatVector.zero(S), s21 = FloatVector.zero(S), s22 = FloatVector.zero(S);
        FloatVector s23 = FloatVector.zero(S), s24 = FloatVector.zero(S), s25 = FloatVector.zero(S);
        FloatVector s26 = FloatVector.zero(S), s27 = FloatVector.zero(S);
        for (int p = 0; p < kVec; p += VL) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector x2 = FloatVector.fromArray(S, a, a2 + p);
            FloatVector w;
            w = FloatVector.fromArray(S, b, b0 + p);
            s00 = x0.fma(w, s00); s10 = x1.fma(w, s10); s20 = x2.fma(w, s20);
            w = FloatVector.fromArray(S, b, b1 + p);
            s01 = x0.fma(w, s01); s11 = x1.fma(w, s11); s21 = x2.fma(w, s21);
            w = FloatVector.fromArray(S, b, b2 + p);
            s02 = x0.fma(w, s02); s12 = x1.fma(w, s12); s22 = x2.fma(w, s22);
            w = FloatVector.fromArray(S, b, b3 + p);
            s03 = x0.fma(w, s03); s13 = x1.fma(w, s13); s23 = x2.fma(w, s23);
            w = FloatVector.fromArray(S, b, b4 + p);
            s04 = x0.fma(w, s04); s14 = x1.fma(w, s14); s24 = x2.fma(w, s24);
            w = FloatVector.fromArray(S, b, b5 + p);
            s05 = x0.fma(w, s05); s15 = x1.fma(w, s15); s25 = x2.fma(w, s25);
            w = FloatVector.fromArray(S, b, b6 + p);
            s06 = x0.fma(w, s06); s16 = x1.fma(w, s16); s26 = x2.fma(w, s26);
            w = FloatVector.fromArray(S, b, b7 + p);
            s07 = x0.fma(w, s07); s17 = x1.fma(w, s17); s27 = x2.fma(w, s27);
        }
        s00.intoArray(tile, 0 * VL);
        s01.intoArray(tile, 1 * VL);
        s02.intoArray(tile, 2 * VL);
        s03.intoArray(tile, 3 * VL);
        s04.intoArray(tile, 4 * VL);
        s05.intoArray(tile, 5 * VL);
        s06.intoArray(tile, 6 * VL);
        s07.intoArray(tile, 7 * VL);
        s10.intoArray(tile, 8 * VL);
        s11.intoArray(tile, 9 * VL);
        s12.intoArray(tile, 10 * VL);
        s13.intoArray(tile, 11 * VL);
        s14.intoArray(tile, 12 * VL);
        s15.intoArray(tile, 13 * VL);
        s16.intoArray(tile, 14 * VL);
        s17.intoArray(tile, 15 * VL);
        s20.intoArray(tile, 16 * VL);
        s21.intoArray(tile, 17 * VL);
        s22.intoArray(tile, 18 * VL);
        s23.intoArray(tile, 19 * VL);
        s24.intoArray(tile, 20 * VL);
        s25.intoArray(tile, 21 * VL);
        s26.intoArray(tile, 22 * VL);
        s27.intoArray(tile, 23 * VL);
    }
}
