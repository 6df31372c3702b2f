package dev.rnn4j.cpu;

import static dev.rnn4j.cpu.MultiplyAdd.madd;
import static dev.rnn4j.cpu.VectorGemm.MR;
import static dev.rnn4j.cpu.VectorGemm.NR;
import static dev.rnn4j.cpu.VectorGemm.S;
import static dev.rnn4j.cpu.VectorGemm.VL;

import jdk.incubator.vector.FloatVector;

/**
 * The GEMM's register-blocked micro-kernels: an MR × NR tile of C (three vectors wide, or the two- and one-vector
 * last panels) from a packed A micro-panel or eight rows of A read in place, and a packed B panel; and the one-row
 * forms for batch 1. They repeat one another on purpose: each is a straight-line method with its accumulators in
 * locals, the shape C2 compiles into registers; folding the variants into one method with branches or loops over
 * the accumulators is what measured 6-10 times slower. Every variant makes the same multiply-adds in the same order,
 * so which one computed a tile never shows in its bits.
 */
final class PanelKernels {
    private PanelKernels() {
    }

    /**
     * One row of a packed A micro-panel (stride MR) · a packed B panel into {@code tile[0, NR)}: the matrix-vector
     * form for batch 1. Two steps of k per iteration into separate accumulators keep six multiply-adds in flight;
     * the loop is bound by the loads of B, which is what a GEMV is.
     */
    static void rowKernel(float[] pa, int paOff, float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector x0 = FloatVector.zero(S), x1 = FloatVector.zero(S), x2 = FloatVector.zero(S);
        FloatVector y0 = FloatVector.zero(S), y1 = FloatVector.zero(S), y2 = FloatVector.zero(S);
        int p = 0;
        // Four steps of k per pass, even into x and odd into y in order, as rowKernelDirect.
        for (; p + 3 < kc; p += 4) {
            int bo = pbOff + p * NR;
            FloatVector a = FloatVector.broadcast(S, pa[paOff + p * MR]);
            x0 = madd(a, FloatVector.fromArray(S, pb, bo), x0);
            x1 = madd(a, FloatVector.fromArray(S, pb, bo + VL), x1);
            x2 = madd(a, FloatVector.fromArray(S, pb, bo + 2 * VL), x2);
            FloatVector a1 = FloatVector.broadcast(S, pa[paOff + (p + 1) * MR]);
            y0 = madd(a1, FloatVector.fromArray(S, pb, bo + NR), y0);
            y1 = madd(a1, FloatVector.fromArray(S, pb, bo + NR + VL), y1);
            y2 = madd(a1, FloatVector.fromArray(S, pb, bo + NR + 2 * VL), y2);
            FloatVector a2 = FloatVector.broadcast(S, pa[paOff + (p + 2) * MR]);
            x0 = madd(a2, FloatVector.fromArray(S, pb, bo + 2 * NR), x0);
            x1 = madd(a2, FloatVector.fromArray(S, pb, bo + 2 * NR + VL), x1);
            x2 = madd(a2, FloatVector.fromArray(S, pb, bo + 2 * NR + 2 * VL), x2);
            FloatVector a3 = FloatVector.broadcast(S, pa[paOff + (p + 3) * MR]);
            y0 = madd(a3, FloatVector.fromArray(S, pb, bo + 3 * NR), y0);
            y1 = madd(a3, FloatVector.fromArray(S, pb, bo + 3 * NR + VL), y1);
            y2 = madd(a3, FloatVector.fromArray(S, pb, bo + 3 * NR + 2 * VL), y2);
        }
        for (; p + 1 < kc; p += 2) {
            int bo = pbOff + p * NR;
            FloatVector a = FloatVector.broadcast(S, pa[paOff + p * MR]);
            x0 = madd(a, FloatVector.fromArray(S, pb, bo), x0);
            x1 = madd(a, FloatVector.fromArray(S, pb, bo + VL), x1);
            x2 = madd(a, FloatVector.fromArray(S, pb, bo + 2 * VL), x2);
            FloatVector a2 = FloatVector.broadcast(S, pa[paOff + (p + 1) * MR]);
            y0 = madd(a2, FloatVector.fromArray(S, pb, bo + NR), y0);
            y1 = madd(a2, FloatVector.fromArray(S, pb, bo + NR + VL), y1);
            y2 = madd(a2, FloatVector.fromArray(S, pb, bo + NR + 2 * VL), y2);
        }
        for (; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector a = FloatVector.broadcast(S, pa[paOff + p * MR]);
            x0 = madd(a, FloatVector.fromArray(S, pb, bo), x0);
            x1 = madd(a, FloatVector.fromArray(S, pb, bo + VL), x1);
            x2 = madd(a, FloatVector.fromArray(S, pb, bo + 2 * VL), x2);
        }
        x0.add(y0).intoArray(tile, 0);
        x1.add(y1).intoArray(tile, VL);
        x2.add(y2).intoArray(tile, 2 * VL);
    }

    /** {@link #microKernel} for a last column panel only 2 vectors wide: no multiply-adds on its zero padding. */
    static void microKernel2(float[] pa, int paOff, float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + VL);
            FloatVector x;
            x = FloatVector.broadcast(S, pa[paOff + p * MR]);
            c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 1]);
            c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 2]);
            c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 3]);
            c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 4]);
            c40 = madd(x, b0, c40); c41 = madd(x, b1, c41);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 5]);
            c50 = madd(x, b0, c50); c51 = madd(x, b1, c51);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 6]);
            c60 = madd(x, b0, c60); c61 = madd(x, b1, c61);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 7]);
            c70 = madd(x, b0, c70); c71 = madd(x, b1, c71);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, 0 + VL);
        c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + VL);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + VL);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + VL);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + VL);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + VL);
        c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + VL);
        c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + VL);
    }

    /** {@link #microKernel} for a last column panel only 1 vector wide: no multiply-adds on its zero padding. */
    static void microKernel1(float[] pa, int paOff, float[] pb, int pbOff, int kc, float[] tile, int tileOff) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector x;
            x = FloatVector.broadcast(S, pa[paOff + p * MR]);
            c00 = madd(x, b0, c00);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 1]);
            c10 = madd(x, b0, c10);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 2]);
            c20 = madd(x, b0, c20);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 3]);
            c30 = madd(x, b0, c30);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 4]);
            c40 = madd(x, b0, c40);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 5]);
            c50 = madd(x, b0, c50);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 6]);
            c60 = madd(x, b0, c60);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 7]);
            c70 = madd(x, b0, c70);
        }
        c00.intoArray(tile, tileOff);
        c10.intoArray(tile, tileOff + 1 * NR);
        c20.intoArray(tile, tileOff + 2 * NR);
        c30.intoArray(tile, tileOff + 3 * NR);
        c40.intoArray(tile, tileOff + 4 * NR);
        c50.intoArray(tile, tileOff + 5 * NR);
        c60.intoArray(tile, tileOff + 6 * NR);
        c70.intoArray(tile, tileOff + 7 * NR);
    }

    /** {@link #microKernelDirect} for a last column panel only 2 vectors wide. */
    static void microKernelDirect2(float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7,
                                   float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + VL);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = madd(x, b0, c40); c41 = madd(x, b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = madd(x, b0, c50); c51 = madd(x, b1, c51);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = madd(x, b0, c60); c61 = madd(x, b1, c61);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = madd(x, b0, c70); c71 = madd(x, b1, c71);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, 0 + VL);
        c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + VL);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + VL);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + VL);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + VL);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + VL);
        c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + VL);
        c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + VL);
    }

    /** {@link #microKernelDirect} for a last column panel only 1 vector wide. */
    static void microKernelDirect1(float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7,
                                   float[] pb, int pbOff, int kc, float[] tile, int tileOff) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = madd(x, b0, c00);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = madd(x, b0, c10);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = madd(x, b0, c20);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = madd(x, b0, c30);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = madd(x, b0, c40);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = madd(x, b0, c50);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = madd(x, b0, c60);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = madd(x, b0, c70);
        }
        c00.intoArray(tile, tileOff);
        c10.intoArray(tile, tileOff + 1 * NR);
        c20.intoArray(tile, tileOff + 2 * NR);
        c30.intoArray(tile, tileOff + 3 * NR);
        c40.intoArray(tile, tileOff + 4 * NR);
        c50.intoArray(tile, tileOff + 5 * NR);
        c60.intoArray(tile, tileOff + 6 * NR);
        c70.intoArray(tile, tileOff + 7 * NR);
    }

    /**
     * {@link #microKernelDirect1} on four rows: the narrow last panel of a micro-panel with at most four valid rows
     * (batches 3 and 4), which the eight-row form computed twice over on repeated rows.
     */
    static void microKernelDirect1x4(float[] a, int a0, int a1, int a2, int a3, float[] pb, int pbOff, int kc,
                                     float[] tile, int tileOff) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, pb, pbOff + p * NR);
            c00 = madd(FloatVector.broadcast(S, a[a0 + p]), b0, c00);
            c10 = madd(FloatVector.broadcast(S, a[a1 + p]), b0, c10);
            c20 = madd(FloatVector.broadcast(S, a[a2 + p]), b0, c20);
            c30 = madd(FloatVector.broadcast(S, a[a3 + p]), b0, c30);
        }
        c00.intoArray(tile, tileOff);
        c10.intoArray(tile, tileOff + NR);
        c20.intoArray(tile, tileOff + 2 * NR);
        c30.intoArray(tile, tileOff + 3 * NR);
    }

    /** {@link #rowKernel} on one row of A read in place (unit stride) from {@code aAt}. */
    static void rowKernelDirect(float[] a, int aAt, float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector x0 = FloatVector.zero(S), x1 = FloatVector.zero(S), x2 = FloatVector.zero(S);
        FloatVector y0 = FloatVector.zero(S), y1 = FloatVector.zero(S), y2 = FloatVector.zero(S);
        int p = 0;
        // Four steps of k per pass, still even k into x and odd into y, in order (so the bits of two per pass):
        // half the loop's own instructions per weight read, 54-62 -> 70-110 GB/s of W_hh from L2 on one core.
        for (; p + 3 < kc; p += 4) {
            int bo = pbOff + p * NR;
            FloatVector av = FloatVector.broadcast(S, a[aAt + p]);
            x0 = madd(av, FloatVector.fromArray(S, pb, bo), x0);
            x1 = madd(av, FloatVector.fromArray(S, pb, bo + VL), x1);
            x2 = madd(av, FloatVector.fromArray(S, pb, bo + 2 * VL), x2);
            FloatVector a1 = FloatVector.broadcast(S, a[aAt + p + 1]);
            y0 = madd(a1, FloatVector.fromArray(S, pb, bo + NR), y0);
            y1 = madd(a1, FloatVector.fromArray(S, pb, bo + NR + VL), y1);
            y2 = madd(a1, FloatVector.fromArray(S, pb, bo + NR + 2 * VL), y2);
            FloatVector a2 = FloatVector.broadcast(S, a[aAt + p + 2]);
            x0 = madd(a2, FloatVector.fromArray(S, pb, bo + 2 * NR), x0);
            x1 = madd(a2, FloatVector.fromArray(S, pb, bo + 2 * NR + VL), x1);
            x2 = madd(a2, FloatVector.fromArray(S, pb, bo + 2 * NR + 2 * VL), x2);
            FloatVector a3 = FloatVector.broadcast(S, a[aAt + p + 3]);
            y0 = madd(a3, FloatVector.fromArray(S, pb, bo + 3 * NR), y0);
            y1 = madd(a3, FloatVector.fromArray(S, pb, bo + 3 * NR + VL), y1);
            y2 = madd(a3, FloatVector.fromArray(S, pb, bo + 3 * NR + 2 * VL), y2);
        }
        for (; p + 1 < kc; p += 2) {
            int bo = pbOff + p * NR;
            FloatVector av = FloatVector.broadcast(S, a[aAt + p]);
            x0 = madd(av, FloatVector.fromArray(S, pb, bo), x0);
            x1 = madd(av, FloatVector.fromArray(S, pb, bo + VL), x1);
            x2 = madd(av, FloatVector.fromArray(S, pb, bo + 2 * VL), x2);
            FloatVector a2 = FloatVector.broadcast(S, a[aAt + p + 1]);
            y0 = madd(a2, FloatVector.fromArray(S, pb, bo + NR), y0);
            y1 = madd(a2, FloatVector.fromArray(S, pb, bo + NR + VL), y1);
            y2 = madd(a2, FloatVector.fromArray(S, pb, bo + NR + 2 * VL), y2);
        }
        for (; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector av = FloatVector.broadcast(S, a[aAt + p]);
            x0 = madd(av, FloatVector.fromArray(S, pb, bo), x0);
            x1 = madd(av, FloatVector.fromArray(S, pb, bo + VL), x1);
            x2 = madd(av, FloatVector.fromArray(S, pb, bo + 2 * VL), x2);
        }
        x0.add(y0).intoArray(tile, 0);
        x1.add(y1).intoArray(tile, VL);
        x2.add(y2).intoArray(tile, 2 * VL);
    }

    /**
     * {@link #microKernelDirect} on four rows of A read in place, into {@code tile} from {@code tileOff}: for a
     * micro-panel of at most four valid rows (batches 3 and 4), and on 16-register machines for each half of every
     * micro-panel. The same chain of multiply-adds per element, on 12 accumulators.
     */
    static void microKernelDirect4(float[] a, int a0, int a1, int a2, int a3, float[] pb, int pbOff, int kc,
                                   float[] tile, int tileOff) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + VL);
            FloatVector b2 = FloatVector.fromArray(S, pb, bo + 2 * VL);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = madd(x, b0, c20); c21 = madd(x, b1, c21); c22 = madd(x, b2, c22);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = madd(x, b0, c30); c31 = madd(x, b1, c31); c32 = madd(x, b2, c32);
        }
        c00.intoArray(tile, tileOff); c01.intoArray(tile, tileOff + VL); c02.intoArray(tile, tileOff + 2 * VL);
        c10.intoArray(tile, tileOff + 1 * NR);
        c11.intoArray(tile, tileOff + 1 * NR + VL);
        c12.intoArray(tile, tileOff + 1 * NR + 2 * VL);
        c20.intoArray(tile, tileOff + 2 * NR);
        c21.intoArray(tile, tileOff + 2 * NR + VL);
        c22.intoArray(tile, tileOff + 2 * NR + 2 * VL);
        c30.intoArray(tile, tileOff + 3 * NR);
        c31.intoArray(tile, tileOff + 3 * NR + VL);
        c32.intoArray(tile, tileOff + 3 * NR + 2 * VL);
    }

    /**
     * {@link #microKernelDirect4} on two full panels at once ({@code pbOff} into {@code tile}, {@code pbOff2} into
     * {@code tile2}): six vectors of B per four broadcasts of A instead of three, 24 accumulators, the register
     * budget of the 8-row tile. A batch of three or four rows reads each weight for only four multiply-adds, and
     * with one panel at a time the broadcasts of A were as many loads as the weights: 85-100 GFLOP/s against
     * 111-114 for the pair (4 × 1024 × 256 on one core, the weights in L2, where the pair meets L2's bandwidth).
     * Every element is the same chain of multiply-adds as in the one-panel kernel.
     */
    static void microKernelDirect4Pair(float[] a, int a0, int a1, int a2, int a3, float[] pb, int pbOff, int pbOff2,
                                       int kc, float[] tile, float[] tile2) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector d00 = FloatVector.zero(S), d01 = FloatVector.zero(S), d02 = FloatVector.zero(S);
        FloatVector d10 = FloatVector.zero(S), d11 = FloatVector.zero(S), d12 = FloatVector.zero(S);
        FloatVector d20 = FloatVector.zero(S), d21 = FloatVector.zero(S), d22 = FloatVector.zero(S);
        FloatVector d30 = FloatVector.zero(S), d31 = FloatVector.zero(S), d32 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            int eo = pbOff2 + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + VL);
            FloatVector b2 = FloatVector.fromArray(S, pb, bo + 2 * VL);
            FloatVector e0 = FloatVector.fromArray(S, pb, eo);
            FloatVector e1 = FloatVector.fromArray(S, pb, eo + VL);
            FloatVector e2 = FloatVector.fromArray(S, pb, eo + 2 * VL);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02);
            d00 = madd(x, e0, d00); d01 = madd(x, e1, d01); d02 = madd(x, e2, d02);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12);
            d10 = madd(x, e0, d10); d11 = madd(x, e1, d11); d12 = madd(x, e2, d12);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = madd(x, b0, c20); c21 = madd(x, b1, c21); c22 = madd(x, b2, c22);
            d20 = madd(x, e0, d20); d21 = madd(x, e1, d21); d22 = madd(x, e2, d22);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = madd(x, b0, c30); c31 = madd(x, b1, c31); c32 = madd(x, b2, c32);
            d30 = madd(x, e0, d30); d31 = madd(x, e1, d31); d32 = madd(x, e2, d32);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, VL); c02.intoArray(tile, 2 * VL);
        c10.intoArray(tile, NR); c11.intoArray(tile, NR + VL); c12.intoArray(tile, NR + 2 * VL);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + VL); c22.intoArray(tile, 2 * NR + 2 * VL);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + VL); c32.intoArray(tile, 3 * NR + 2 * VL);
        d00.intoArray(tile2, 0); d01.intoArray(tile2, VL); d02.intoArray(tile2, 2 * VL);
        d10.intoArray(tile2, NR); d11.intoArray(tile2, NR + VL); d12.intoArray(tile2, NR + 2 * VL);
        d20.intoArray(tile2, 2 * NR); d21.intoArray(tile2, 2 * NR + VL); d22.intoArray(tile2, 2 * NR + 2 * VL);
        d30.intoArray(tile2, 3 * NR); d31.intoArray(tile2, 3 * NR + VL); d32.intoArray(tile2, 3 * NR + 2 * VL);
    }

    /**
     * Four rows ({@code row0} to {@code row0 + 3}) of a packed A micro-panel times a packed B panel three vectors wide,
     * into {@code tile} from {@code tileOff}: what 16-register machines run in place of {@link #microKernel}, twice
     * per micro-panel (12 accumulators, three vectors of B and a broadcast: all sixteen registers, no spill). The
     * same chain of multiply-adds per element as the 8-row kernel.
     */
    static void microKernel4(float[] pa, int paOff, int row0, float[] pb, int pbOff, int kc, float[] tile,
                             int tileOff) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + VL);
            FloatVector b2 = FloatVector.fromArray(S, pb, bo + 2 * VL);
            FloatVector x;
            x = FloatVector.broadcast(S, pa[paOff + p * MR + row0 + 0]);
            c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + row0 + 1]);
            c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + row0 + 2]);
            c20 = madd(x, b0, c20); c21 = madd(x, b1, c21); c22 = madd(x, b2, c22);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + row0 + 3]);
            c30 = madd(x, b0, c30); c31 = madd(x, b1, c31); c32 = madd(x, b2, c32);
        }
        c00.intoArray(tile, tileOff); c01.intoArray(tile, tileOff + VL); c02.intoArray(tile, tileOff + 2 * VL);
        c10.intoArray(tile, tileOff + 1 * NR);
        c11.intoArray(tile, tileOff + 1 * NR + VL);
        c12.intoArray(tile, tileOff + 1 * NR + 2 * VL);
        c20.intoArray(tile, tileOff + 2 * NR);
        c21.intoArray(tile, tileOff + 2 * NR + VL);
        c22.intoArray(tile, tileOff + 2 * NR + 2 * VL);
        c30.intoArray(tile, tileOff + 3 * NR);
        c31.intoArray(tile, tileOff + 3 * NR + VL);
        c32.intoArray(tile, tileOff + 3 * NR + 2 * VL);
    }

    /**
     * {@link #microKernel} with the eight rows of A read in place from {@code a0..a7} (unit stride along k) instead
     * of from a packed micro-panel.
     */
    static void microKernelDirect(float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7,
                                  float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + VL);
            FloatVector b2 = FloatVector.fromArray(S, pb, bo + 2 * VL);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = madd(x, b0, c00); c01 = madd(x, b1, c01); c02 = madd(x, b2, c02);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = madd(x, b0, c10); c11 = madd(x, b1, c11); c12 = madd(x, b2, c12);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = madd(x, b0, c20); c21 = madd(x, b1, c21); c22 = madd(x, b2, c22);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = madd(x, b0, c30); c31 = madd(x, b1, c31); c32 = madd(x, b2, c32);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = madd(x, b0, c40); c41 = madd(x, b1, c41); c42 = madd(x, b2, c42);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = madd(x, b0, c50); c51 = madd(x, b1, c51); c52 = madd(x, b2, c52);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = madd(x, b0, c60); c61 = madd(x, b1, c61); c62 = madd(x, b2, c62);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = madd(x, b0, c70); c71 = madd(x, b1, c71); c72 = madd(x, b2, c72);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, 0 + VL); c02.intoArray(tile, 0 + 2 * VL);
        c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + VL); c12.intoArray(tile, 1 * NR + 2 * VL);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + VL); c22.intoArray(tile, 2 * NR + 2 * VL);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + VL); c32.intoArray(tile, 3 * NR + 2 * VL);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + VL); c42.intoArray(tile, 4 * NR + 2 * VL);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + VL); c52.intoArray(tile, 5 * NR + 2 * VL);
        c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + VL); c62.intoArray(tile, 6 * NR + 2 * VL);
        c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + VL); c72.intoArray(tile, 7 * NR + 2 * VL);
    }

    /**
     * A packed A micro-panel [MR×kc] · a packed B panel [kc×NR] into {@code tile} (MR rows, NR apart): an outer
     * product per k, the 8×3-vector tile held in 24 accumulators (three quarters of the 32 vector registers), one
     * broadcast of A per row and three loads of B per k. Deliberately branch-free and with no vector crossing a
     * call: either makes C2's code depend on the profile and, in some runs, box the accumulators, which was
     * measured at 6 to 10 times slower.
     */
    static void microKernel(float[] pa, int paOff, float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + VL);
            FloatVector b2 = FloatVector.fromArray(S, pb, bo + 2 * VL);
            int ao = paOff + p * MR;
            FloatVector a;
            a = FloatVector.broadcast(S, pa[ao]);
            c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02);
            a = FloatVector.broadcast(S, pa[ao + 1]);
            c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12);
            a = FloatVector.broadcast(S, pa[ao + 2]);
            c20 = madd(a, b0, c20); c21 = madd(a, b1, c21); c22 = madd(a, b2, c22);
            a = FloatVector.broadcast(S, pa[ao + 3]);
            c30 = madd(a, b0, c30); c31 = madd(a, b1, c31); c32 = madd(a, b2, c32);
            a = FloatVector.broadcast(S, pa[ao + 4]);
            c40 = madd(a, b0, c40); c41 = madd(a, b1, c41); c42 = madd(a, b2, c42);
            a = FloatVector.broadcast(S, pa[ao + 5]);
            c50 = madd(a, b0, c50); c51 = madd(a, b1, c51); c52 = madd(a, b2, c52);
            a = FloatVector.broadcast(S, pa[ao + 6]);
            c60 = madd(a, b0, c60); c61 = madd(a, b1, c61); c62 = madd(a, b2, c62);
            a = FloatVector.broadcast(S, pa[ao + 7]);
            c70 = madd(a, b0, c70); c71 = madd(a, b1, c71); c72 = madd(a, b2, c72);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, 0 + VL); c02.intoArray(tile, 0 + 2 * VL);
        c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + VL); c12.intoArray(tile, 1 * NR + 2 * VL);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + VL); c22.intoArray(tile, 2 * NR + 2 * VL);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + VL); c32.intoArray(tile, 3 * NR + 2 * VL);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + VL); c42.intoArray(tile, 4 * NR + 2 * VL);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + VL); c52.intoArray(tile, 5 * NR + 2 * VL);
        c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + VL); c62.intoArray(tile, 6 * NR + 2 * VL);
        c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + VL); c72.intoArray(tile, 7 * NR + 2 * VL);
    }
}
