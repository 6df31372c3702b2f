package dev.rnn4j.cpu;

import dev.rnn4j.WeightPrecision;

/**
 * What a weight buffer was declared to hold ({@code Primitives.keepWeightsCompact}): a {@code rows × cols} matrix of
 * values exact in {@code precision}, with int8's row scales, as of the buffer's write {@code version}.
 */
record CompactWeights(WeightPrecision precision, int rows, int cols, float[] rowScales, long version) {

    /**
     * Whether a GEMM reading {@code n} rows of this matrix from element {@code offset}, {@code k} columns each with
     * row stride {@code ld}, reads a block of it, and the buffer is unchanged since the declaration.
     */
    boolean covers(long currentVersion, int offset, int ld, int n, int k) {
        return currentVersion == version && ld == cols && offset % cols == 0 && offset / cols + n <= rows
                && k <= cols;
    }
}
