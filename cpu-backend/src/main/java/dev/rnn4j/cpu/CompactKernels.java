package dev.rnn4j.cpu;

import static dev.rnn4j.cpu.MultiplyAdd.madd;
import static dev.rnn4j.cpu.VectorGemm.NR;
import static dev.rnn4j.cpu.VectorGemm.S;
import static dev.rnn4j.cpu.VectorGemm.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The row kernels on {@link CompactPanels}: one row of A read in place times a bfloat16 or int8 panel into
 * {@code tile[0, NR)}, for batches of one and two rows, where a step reads every weight once and the bytes read are
 * the time. Each widens its weights to the floats the buffer holds (bfloat16 by a mask or a shift, int8 by a
 * sign-extending shift, a conversion and its row's scale) and then makes {@link PanelKernels#rowKernelDirect}'s
 * multiply-adds in its order, even and odd k apart, so a result has the bits of the float kernel on those floats.
 */
final class CompactKernels {
    private CompactKernels() {
    }

    static final VectorSpecies<Integer> IS = S.withLanes(int.class);
    /** A bfloat16 in a word's high half is a float once the low half is cleared. */
    private static final int HIGH_HALF = 0xFFFF0000;
    private static final int HALF = 16;
    private static final int BYTE = 8;
    private static final int WORD = 32;

    /** The kernel for the panel's precision. */
    static void rowKernel(CompactPanels panels, float[] a, int aAt, int wo, int kc, int col, float[] tile) {
        if (panels.scales == null) {
            rowKernelBfloat16(a, aAt, panels.words, wo, kc, tile);
        } else {
            rowKernelInt8(a, aAt, panels.words, wo, panels.scales, col, kc, tile);
        }
    }

    /**
     * Two steps of k per pass, not the float row kernel's four: the four-step form (same sums, same bits) took
     * infer:LSTM:256:256:1:100 in bfloat16 from 1.5 to 9.5 ms (2026-12-06, two runs). The likely cause is int8's
     * below, C2's inlining budget; not confirmed.
     */
    static void rowKernelBfloat16(float[] a, int aAt, int[] pw, int wo, int kc, float[] tile) {
        FloatVector x0 = FloatVector.zero(S), x1 = FloatVector.zero(S), x2 = FloatVector.zero(S);
        FloatVector y0 = FloatVector.zero(S), y1 = FloatVector.zero(S), y2 = FloatVector.zero(S);
        int p = 0;
        int w = wo;
        for (; p + 1 < kc; p += 2, w += NR) {
            IntVector v0 = IntVector.fromArray(IS, pw, w);
            IntVector v1 = IntVector.fromArray(IS, pw, w + VL);
            IntVector v2 = IntVector.fromArray(IS, pw, w + 2 * VL);
            FloatVector av = FloatVector.broadcast(S, a[aAt + p]);
            x0 = madd(av, v0.and(HIGH_HALF).reinterpretAsFloats(), x0);
            x1 = madd(av, v1.and(HIGH_HALF).reinterpretAsFloats(), x1);
            x2 = madd(av, v2.and(HIGH_HALF).reinterpretAsFloats(), x2);
            FloatVector a2 = FloatVector.broadcast(S, a[aAt + p + 1]);
            y0 = madd(a2, v0.lanewise(VectorOperators.LSHL, HALF).reinterpretAsFloats(), y0);
            y1 = madd(a2, v1.lanewise(VectorOperators.LSHL, HALF).reinterpretAsFloats(), y1);
            y2 = madd(a2, v2.lanewise(VectorOperators.LSHL, HALF).reinterpretAsFloats(), y2);
        }
        if (p < kc) {
            // An odd depth: the last word holds one value, in its high half.
            FloatVector av = FloatVector.broadcast(S, a[aAt + p]);
            x0 = madd(av, IntVector.fromArray(IS, pw, w).reinterpretAsFloats(), x0);
            x1 = madd(av, IntVector.fromArray(IS, pw, w + VL).reinterpretAsFloats(), x1);
            x2 = madd(av, IntVector.fromArray(IS, pw, w + 2 * VL).reinterpretAsFloats(), x2);
        }
        x0.add(y0).intoArray(tile, 0);
        x1.add(y1).intoArray(tile, VL);
        x2.add(y2).intoArray(tile, 2 * VL);
    }

    /**
     * One vector of columns at a time: the three-vector form's twelve widenings per step of four k exceeded C2's
     * inlining budget, and the Vector API calls left out of line boxed every vector (measured six times slower than
     * float32); this form reads the row of A three times, from L1.
     */
    static void rowKernelInt8(float[] a, int aAt, int[] pw, int wo, float[] scales, int col, int kc, float[] tile) {
        for (int v = 0; v < 3; v++) {
            rowKernelInt8Vector(a, aAt, pw, wo + v * VL, scales, col + v * VL, kc, tile, v * VL);
        }
    }

    private static void rowKernelInt8Vector(float[] a, int aAt, int[] pw, int wo, float[] scales, int col, int kc,
                                            float[] tile, int tileOff) {
        FloatVector s = FloatVector.fromArray(S, scales, col);
        FloatVector x = FloatVector.zero(S);
        FloatVector y = FloatVector.zero(S);
        int p = 0;
        int w = wo;
        for (; p + 3 < kc; p += 4, w += NR) {
            IntVector v = IntVector.fromArray(IS, pw, w);
            x = madd(FloatVector.broadcast(S, a[aAt + p]), weights(v, 0, s), x);
            y = madd(FloatVector.broadcast(S, a[aAt + p + 1]), weights(v, 1, s), y);
            x = madd(FloatVector.broadcast(S, a[aAt + p + 2]), weights(v, 2, s), x);
            y = madd(FloatVector.broadcast(S, a[aAt + p + 3]), weights(v, 3, s), y);
        }
        if (p < kc) {
            // The last word holds one to three values: the first and third go with the even k, the second with the odd.
            IntVector v = IntVector.fromArray(IS, pw, w);
            x = madd(FloatVector.broadcast(S, a[aAt + p]), weights(v, 0, s), x);
            if (p + 1 < kc) {
                y = madd(FloatVector.broadcast(S, a[aAt + p + 1]), weights(v, 1, s), y);
            }
            if (p + 2 < kc) {
                x = madd(FloatVector.broadcast(S, a[aAt + p + 2]), weights(v, 2, s), x);
            }
        }
        x.add(y).intoArray(tile, tileOff);
    }

    /** Byte {@code i} of every word, sign-extended, as floats times the column scales: the weights the floats hold. */
    private static FloatVector weights(IntVector words, int i, FloatVector scales) {
        // The top byte needs only the arithmetic shift (i is a constant once inlined, so this branch folds away).
        IntVector top = i == 3 ? words : words.lanewise(VectorOperators.LSHL, WORD - BYTE * (i + 1));
        IntVector q = top.lanewise(VectorOperators.ASHR, WORD - BYTE);
        return ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(scales);
    }
}
