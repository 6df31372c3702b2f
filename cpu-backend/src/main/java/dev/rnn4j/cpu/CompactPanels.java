package dev.rnn4j.cpu;

import static dev.rnn4j.cpu.VectorGemm.KC;
import static dev.rnn4j.cpu.VectorGemm.NR;

import dev.rnn4j.WeightPrecision;

/**
 * A transposed weight operand B (op(B) = Wᵀ, W's rows are the columns of C) packed for the row kernels in bfloat16
 * or int8, in the float panels' order ({@link GemmPacking#packB}) with several values per int: each word holds
 * consecutive k of one column, two bfloat16 (the first in the high half, so that masking gives it as a float and a
 * shift the second) or four int8 (the first in the low byte). Blocks of {@link VectorGemm#KC} rows of k as for the
 * float panels, each panel {@code ⌈kc / valuesPerWord⌉ × NR} words; int8 adds one scale per column.
 *
 * <p>It is built from the float values the buffer holds, which the declaration says are exact in the precision, and
 * checks that they are: a value that is not fails loudly rather than computing with a different weight.
 */
final class CompactPanels {
    final WeightPrecision precision;
    final int[] words;
    /** Int8's scale per column of op(B), padded with zeros to whole panels; null for bfloat16. */
    final float[] scales;

    private CompactPanels(WeightPrecision precision, int[] words, float[] scales) {
        this.precision = precision;
        this.words = words;
        this.scales = scales;
    }

    /** Values per 32-bit word: 2 bfloat16 or 4 int8. */
    static int valuesPerWord(WeightPrecision precision) {
        return switch (precision) {
            case BFLOAT16 -> 2;
            case INT8 -> 4;
            case FLOAT32 -> throw new IllegalArgumentException("float32 weights are not packed compactly");
        };
    }

    int valuesPerWord() {
        return valuesPerWord(precision);
    }

    /** Words of panel {@code j} in the depth block from {@code k0} ({@code kc} deep), as the row kernels read it. */
    int panelOffset(int k0, int kc, int nPanels, int j) {
        int per = valuesPerWord();
        return (k0 / per) * nPanels * NR + j * ((kc + per - 1) / per) * NR;
    }

    /**
     * Packs op(B) = rows {@code [firstRow, firstRow + n)} of the declared matrix, {@code k} columns each, read from
     * {@code b} at {@code bOff} with row stride {@code ldb}.
     *
     * @throws IllegalStateException when a value is not exact in the declared precision
     */
    static CompactPanels pack(float[] b, int bOff, int ldb, int n, int k, CompactWeights declared, int firstRow) {
        WeightPrecision precision = declared.precision();
        int per = valuesPerWord(precision);
        int nPanels = (n + NR - 1) / NR;
        long size = 0;
        for (int k0 = 0; k0 < k; k0 += KC) {
            size += (long) ((Math.min(KC, k - k0) + per - 1) / per) * nPanels * NR;
        }
        int[] words = new int[Math.toIntExact(size)];
        float[] scales = null;
        if (precision == WeightPrecision.INT8) {
            scales = new float[nPanels * NR];
            System.arraycopy(declared.rowScales(), firstRow, scales, 0, n);
        }
        CompactPanels packed = new CompactPanels(precision, words, scales);
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            int groups = (kc + per - 1) / per;
            for (int j = 0; j < nPanels; j++) {
                int base = packed.panelOffset(k0, kc, nPanels, j);
                for (int col = 0; col < NR && j * NR + col < n; col++) {
                    int row = j * NR + col;
                    int src = bOff + row * ldb + k0;
                    for (int g = 0; g < groups; g++) {
                        int count = Math.min(per, kc - g * per);
                        words[base + g * NR + col] = precision == WeightPrecision.BFLOAT16
                                ? bfloat16Word(b, src + g * per, count, firstRow + row)
                                : int8Word(b, src + g * per, count, scales[row], firstRow + row);
                    }
                }
            }
        }
        return packed;
    }

    private static int bfloat16Word(float[] b, int at, int count, int row) {
        int word = 0;
        for (int i = 0; i < count; i++) {
            int bits = Float.floatToRawIntBits(b[at + i]);
            if ((bits & 0xFFFF) != 0) {
                throw notExact(b[at + i], "a bfloat16", row);
            }
            word |= i == 0 ? bits : bits >>> 16;
        }
        return word;
    }

    private static int int8Word(float[] b, int at, int count, float scale, int row) {
        int word = 0;
        for (int i = 0; i < count; i++) {
            float v = b[at + i];
            int q = scale == 0 ? 0 : Math.round(v / scale);
            if (Math.abs(q) > WeightPrecision.INT8_LIMIT || q * scale != v) {
                throw notExact(v, "q · " + scale + " with an integer |q| ≤ " + WeightPrecision.INT8_LIMIT, row);
            }
            word |= (q & 0xFF) << (8 * i);
        }
        return word;
    }

    private static IllegalStateException notExact(float v, String what, int row) {
        return new IllegalStateException("weight " + v + " in row " + row + " is not " + what
                + ", though the buffer was declared to hold such values (was it written since?)");
    }
}
