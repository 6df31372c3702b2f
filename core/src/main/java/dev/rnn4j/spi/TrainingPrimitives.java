package dev.rnn4j.spi;

import dev.rnn4j.DeviceBuffer;

/**
 * The compute a backend supplies for training whole models around the recurrent layers: losses,
 * embeddings, dropout, optimizer steps and the reduction global-norm clipping needs. Like {@link Primitives}:
 * row-major buffers, offsets and sizes in elements, enqueue-style, nothing waits for the device. Every operation
 * is deterministic: the same inputs give the same bits on the same backend.
 */
public interface TrainingPrimitives {

    /**
     * Softmax cross-entropy per row of {@code logits} ({@code rows × classes}): for a row whose target is a class
     * ({@code 0 ≤ targets[r] < classes}), {@code losses[r] = logsumexp(row) − row[target]} and
     * {@code dLogits[r] = scale·(softmax(row) − onehot(target))}; a row whose target is −1 (padding) gets loss 0
     * and gradient 0. Targets are checked on the host before they are uploaded.
     */
    void softmaxCrossEntropy(MatrixRef logits, DeviceBuffer targets, int rows, int classes, float scale,
                             MatrixRef dLogits, DeviceBuffer losses);

    /**
     * Squared error per row: {@code losses[r] = Σ_c (pred − target)²} and {@code dPred = scale·2·(pred − target)};
     * rows whose {@code mask[r]} is 0 (an INT32 buffer; null means every row counts) get loss 0 and gradient 0.
     */
    void squaredError(MatrixRef pred, MatrixRef target, DeviceBuffer mask, int rows, int cols, float scale,
                      MatrixRef dPred, DeviceBuffer losses);

    /** {@code out[r] = table[ids[r]]}, rows of {@code dim} floats; a row whose id is −1 gets zeros. */
    void gatherRows(DeviceBuffer table, DeviceBuffer ids, int rows, int dim, MatrixRef out);

    /**
     * {@code dTable[ids[r]] += dOut[r]} for every row whose id is not −1, each column accumulated in row order (no
     * atomics, so the result does not depend on scheduling).
     */
    void scatterAddRows(MatrixRef dOut, DeviceBuffer ids, int rows, int dim, DeviceBuffer dTable);

    /**
     * Inverted dropout over {@code n} values: {@code mask[i]} is {@code 1/(1−p)} where a counter-based hash of
     * {@code (seed, i)} ({@link DropoutHash}) keeps element i, else 0; {@code y = x·mask}. The mask is kept for
     * backward ({@link #multiply}).
     */
    void dropout(DeviceBuffer x, long xOffset, DeviceBuffer y, long yOffset, DeviceBuffer mask, long maskOffset,
                 long n, float p, long seed);

    /** {@code y[i] = a[i]·b[i]} over {@code n} values (y may be a or b). */
    void multiply(DeviceBuffer a, long aOffset, DeviceBuffer b, long bOffset, DeviceBuffer y, long yOffset, long n);

    /** {@code x[i] *= factor} over {@code n} values. */
    void scale(DeviceBuffer x, long offset, long n, float factor);

    /**
     * Partial sums of squares: {@code out[outOffset + p] = Σ x[i]²} over the {@code i < n} with
     * {@code i mod parts == p}, each in index order; the caller adds the parts. Global-norm clipping's reduction.
     */
    void sumOfSquares(DeviceBuffer x, long offset, long n, DeviceBuffer out, long outOffset, int parts);

    /** One optimizer step over a parameter tensor, as {@link OptimizerArgs} describes it. */
    void optimizerStep(OptimizerArgs args);
}
