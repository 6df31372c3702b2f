package dev.rnn4j.cpu;

/**
 * Fused cell steps over a block of the batch: rows {@code [b0, b1)}, hidden units {@code [j0, j1)}, so the pool can
 * split a step by rows (large batches) or by hidden units (batch 1). Implementations: {@link ScalarCells} and
 * {@code VectorCells}; the math is that of {@link dev.rnn4j.spi.Primitives#cellForward} and
 * {@link dev.rnn4j.spi.Primitives#cellBackward}.
 */
interface CellKernels {
    void forward(CellArrays x, int b0, int b1, int j0, int j1);

    void backward(CellArrays x, int b0, int b1, int j0, int j1);

    /** {@link dev.rnn4j.spi.Primitives#gruResetForward} over the block. */
    void gruResetForward(CellArrays x, int b0, int b1, int j0, int j1);

    /** {@link dev.rnn4j.spi.Primitives#gruResetBackward} over the block. */
    void gruResetBackward(CellArrays x, int b0, int b1, int j0, int j1);
}
