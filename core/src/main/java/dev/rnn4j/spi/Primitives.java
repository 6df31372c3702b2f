package dev.rnn4j.spi;

import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.ElementType;

/**
 * The compute a backend supplies: a GEMM, the cell steps (forward, backward, and the original-form GRU's two halves),
 * the few data moves the BPTT driver needs, and the indexed row copy that keeps serving streams' states on the
 * device — thirteen methods, the whole of what a backend must implement here.
 * What only goes faster (a bias added as the GEMM stores, fused or persistent steps, paired directions) has a default
 * or lives in an optional {@link RecurrencePlan}. Matrices are row-major; offsets and leading dimensions are in
 * elements. Calls are enqueued in order and none waits for the device.
 */
public interface Primitives {

    /**
     * {@code C[m×n] = alpha·op(A)·op(B) + beta·C}, where op(A) is {@code m×k} and op(B) is {@code k×n}.
     * When {@code beta == 0}, C is overwritten and its previous contents (even NaN) do not matter.
     */
    void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
              DeviceBuffer a, long aOffset, int lda,
              DeviceBuffer b, long bOffset, int ldb,
              float beta, DeviceBuffer c, long cOffset, int ldc);

    /**
     * {@code C[m×n] = op(A)·op(B) + row}, the {@code n} floats of {@code row} added to every row of a contiguous C
     * (row stride n: a layer's input projection and its bias). By default {@link #broadcastRows} then {@link #gemm}
     * with beta 1; a backend may add the row as it stores C instead, sparing a pass over C (tens of megabytes for a
     * whole sequence), as long as every element is still {@code row[j] + (the product's sum)}, the default's
     * additions in the default's order.
     */
    default void gemmPlusRow(Transpose transA, Transpose transB, int m, int n, int k,
                             DeviceBuffer a, long aOffset, int lda,
                             DeviceBuffer b, long bOffset, int ldb,
                             DeviceBuffer row, long rowOffset, DeviceBuffer c, long cOffset) {
        broadcastRows(row, rowOffset, c, cOffset, m, n);
        gemm(transA, transB, m, n, k, 1f, a, aOffset, lda, b, bOffset, ldb, 1f, c, cOffset, n);
    }

    /** {@link #gemm} with its arguments in a block. */
    default void gemm(GemmArgs g) {
        gemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.aOffset, g.lda, g.b, g.bOffset, g.ldb, g.beta, g.c,
                g.cOffset, g.ldc);
    }

    /**
     * This backend's own plan for the steps of a layer whose directions have {@code config} (they differ at most in
     * their activations) at {@code batch} rows, or empty, and the driver runs the {@link RecurrencePlan#generic} one.
     * The same backend may return the same plan object every time: a plan keeps nothing between calls. By default,
     * empty.
     */
    default java.util.Optional<RecurrencePlan> plan(StepConfig config, int batch) {
        return java.util.Optional.empty();
    }

    /**
     * One forward step of {@code cell} for the whole batch: reads {@code gx, gh, bhh, hPrev, cPrev}; writes
     * {@code hNext, cNext} and, when {@code reserve} is set, what backward needs. Rows that are past their
     * sequence's length at this step carry their state unchanged. See {@link StepArgs} for shapes.
     */
    void cellForward(CellType cell, StepArgs args);

    /**
     * One backward step: from {@code dy + dh} (gradient of h at this step) and {@code dc} to the gate
     * pre-activation gradients {@code dGatesX} (and, for GRU, {@code dGatesH}), the direct part of the previous
     * hidden state's gradient {@code dhPrev} (the caller adds {@code dGatesH·W_hh}), and {@code dc} updated in
     * place to the previous cell state's gradient. Rows past their length pass dh and dc through, gates zero.
     */
    void cellBackward(CellType cell, StepArgs args);

    /**
     * GRU in its original form ({@link StepConfig#originalGru}), the first part of a forward step, after the
     * GEMM that wrote gh's r and z columns ({@code h_prev·W_h{r,z}ᵀ}): computes r and z (with b_hh and clip as in
     * {@link #cellForward}), writes them over gh's r and z columns, writes {@code r ⊙ h_prev} to {@code rh}, and
     * in training the clip flags of r and z into the reserve. The caller then computes gh's n column as
     * {@code rh·W_hnᵀ}, and {@link #cellForward} finishes the step from these. Rows past their length get rh = 0.
     */
    void gruResetForward(StepArgs args);

    /**
     * GRU in its original form, the last part of a backward step, after {@link #cellBackward} (which wrote the z
     * and n gate gradients, and dhPrev = dh·z) and the GEMM {@code drh = dn_pre·W_hn}: writes the r gate's
     * gradient {@code drh ⊙ h_prev ⊙ r(1 − r)} into dGatesX's r column and adds {@code drh ⊙ r} to dhPrev. Rows
     * past their length are left as cellBackward left them.
     */
    void gruResetBackward(StepArgs args);

    /**
     * For the rows whose sequence has ended by {@code step} ({@code step ≥ lengths[b]}):
     * {@code dst[b] = beta·dst[b] + src[b]} over {@code width} features; other rows are untouched, and
     * {@code step = steps} (past every length) takes every row. The projected LSTM carries its hidden state past a
     * sequence's end with it (beta 0) and that state's gradient back (beta 1): its cell step cannot, since h comes
     * out of the projection GEMM after it.
     */
    void carryPastEnd(DeviceBuffer lengths, int step, int batch, int width, MatrixRef src, MatrixRef dst, float beta);

    /** Sets {@code n} floats of {@code dst} from {@code offset} to {@code value}. */
    void fill(DeviceBuffer dst, long offset, long n, float value);

    /** Copies {@code n} floats. Source and destination ranges must not overlap. */
    void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long n);

    /** Sets every one of {@code rows} rows of {@code dst} (row length and stride {@code cols}) to {@code row}. */
    void broadcastRows(DeviceBuffer row, long rowOffset, DeviceBuffer dst, long dstOffset, int rows, int cols);

    /** {@code dst[c] = beta·dst[c] + Σ_r src[r, c]} over a contiguous {@code rows × cols} matrix. */
    void columnSums(DeviceBuffer src, long srcOffset, int rows, int cols, float beta, DeviceBuffer dst,
                    long dstOffset);

    /**
     * {@code dst[c] = beta·dst[c] + Σ_r a[r, c]·b[r, c]} over {@code rows × cols}: the LSTM peephole gradients
     * (gate gradients times cell states, summed over every step and sequence).
     */
    void columnSumsOfProducts(MatrixRef a, MatrixRef b, int rows, int cols, float beta, DeviceBuffer dst,
                              long dstOffset);

    /**
     * Copies per-step blocks of {@code width} features between sequence tensors {@code [steps, batch, ·]}, masked
     * by sequence length: for every step t and row b with {@code t < lengths[b]},
     * {@code dst[t, b] = src[reverse ? lengths[b] − 1 − t : t, b]}; for {@code t ≥ lengths[b]}, {@code dst[t, b] = 0}.
     * This is how the reverse direction sees each sequence from its own last step, and how padded outputs become
     * zero. {@code lengths} is an {@link ElementType#INT32} buffer of {@code batch} values in 1..steps.
     */
    void copySteps(DeviceBuffer lengths, int steps, int batch, int width, MatrixRef src, MatrixRef dst,
                   boolean reverse);

    /**
     * Copies {@code rows} rows of {@code width} floats between a packed block and a table by an index list: a
     * gather ({@code scatter} false) sets {@code dst[r] = src[indices[r]]}, a scatter sets
     * {@code dst[indices[r]] = src[r]}, for every {@code r < rows}. {@code indices} is an {@link ElementType#INT32}
     * buffer of {@code rows} values, each a row of the table; a scatter's must be distinct. This is how a serving
     * session moves its open streams' states between their slots and a batch without leaving the device.
     */
    void copyRows(DeviceBuffer indices, int rows, int width, MatrixRef src, MatrixRef dst, boolean scatter);

    /**
     * A hint that {@code weights} now holds a {@code rows × cols} row-major weight matrix whose values are exactly
     * representable in {@code precision}: for {@link dev.rnn4j.WeightPrecision#BFLOAT16} each value is a bfloat16,
     * for {@link dev.rnn4j.WeightPrecision#INT8} row r's values are {@code q · rowScales[r]} (float products) with
     * integers q in [−127, 127]. A backend may keep a compact copy for the GEMMs that read the matrix, or a block of
     * its rows, as a transposed B, provided every result is what it computes from the floats, to the bit. The hint
     * holds until the buffer is next written. Returns whether a compact copy is kept; by default none is, and the
     * backend computes from the floats (the same results, without the saving in bytes read).
     *
     * @param rowScales the INT8 scales, one per row; null for BFLOAT16
     */
    default boolean keepWeightsCompact(DeviceBuffer weights, int rows, int cols, dev.rnn4j.WeightPrecision precision,
                                       float[] rowScales) {
        return false;
    }
}
