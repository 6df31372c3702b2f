package dev.rnn4j.cpu;

import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.WeightPrecision;
import dev.rnn4j.internal.host.HostPrimitives;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.RecurrencePlan;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.StepConfig;
import dev.rnn4j.spi.Transpose;
import java.util.Optional;

/**
 * The CPU primitives: GEMM and fused cells from the chosen kernels (vector or scalar twin), split across the shared
 * pool; the small helpers as plain loops (they move O(T·B·H) floats once per pass, not per step). Calls from
 * different threads are serialised: the pool runs one task at a time.
 *
 * <p>Each call that splits runs one of a few tasks made once (a cell step's forward, backward and the original GRU's
 * halves; the helpers), over this object's fields for the running call. On a two-thread pool the plan is {@link
 * CpuPairedPlan}, which gives the two directions of a bidirectional layer a thread each.
 */
final class CpuPrimitives implements HostPrimitives {
    /** Below this many hidden units in a step, splitting it across threads costs more than it saves. */
    private static final int PARALLEL_CELL_UNITS = 4096;
    /**
     * The same for a backward step, which does about twice a forward's work per unit: at 2048 units
     * (train:LSTM:128:128:16:100) splitting it measured 3-6% off the whole training row, at 1024 nothing.
     */
    private static final int PARALLEL_BACKWARD_CELL_UNITS = 2048;

    private final WorkerPool pool;
    private final Gemm gemm;
    /** The running cell call's arrays, read by its parts (cell calls are serialised by this object's lock). */
    private final CellArrays step = new CellArrays();
    private final WorkerPool.Task forwardParts;
    private final WorkerPool.Task backwardParts;
    private final WorkerPool.Task resetForwardParts;
    private final WorkerPool.Task resetBackwardParts;
    /** The paired plan on a two-part pool, else null (the generic plan serves). */
    private final CpuPairedPlan pairedPlan;
    /** The plan offered for every configuration (paired, looping, or both), or null for the generic one. */
    private final RecurrencePlan plan;
    private final StepLoop loop;

    /** One of the cell kernels' calls over a block of rows and hidden units. */
    private interface CellBlock {
        void run(CellArrays x, int b0, int b1, int j0, int j1);
    }

    /**
     * @param laneGemms two single-threaded GEMMs (on a one-part pool) for the two halves of a pair
     */
    CpuPrimitives(WorkerPool pool, Gemm gemm, Gemm[] laneGemms, CellKernels cells) {
        this(pool, gemm, laneGemms, cells, null);
    }

    /**
     * @param laneGemms two single-threaded GEMMs (on a one-part pool) for the two halves of a pair
     * @param loop      the step loop that runs a direction's forward steps as one task, or null for none
     */
    /** Whether a layer's forward steps may run as one step loop on this backend's threads. */
    boolean hasStepLoop() {
        return loop != null;
    }

    CpuPrimitives(WorkerPool pool, Gemm gemm, Gemm[] laneGemms, CellKernels cells, StepLoop loop) {
        this.pool = pool;
        this.gemm = gemm;
        forwardParts = parts(cells::forward);
        backwardParts = parts(cells::backward);
        resetForwardParts = parts(cells::gruResetForward);
        resetBackwardParts = parts(cells::gruResetBackward);
        pairedPlan = pool.parts() == 2 ? new CpuPairedPlan(this, pool, laneGemms, cells) : null;
        plan = loop == null ? pairedPlan : new LoopingPlan(this, pairedPlan != null ? pairedPlan
                : RecurrencePlan.generic(this), loop);
        this.loop = loop;
    }

    /** How many layer directions' forward steps have run as one step loop (0 without a loop). */
    synchronized long loopedSequences() {
        return loop == null ? 0 : loop.sequences();
    }

    @Override
    public Optional<RecurrencePlan> plan(StepConfig config, int batch) {
        return Optional.ofNullable(plan);
    }

    @Override
    public void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                     DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb,
                     float beta, DeviceBuffer c, long cOffset, int ldc) {
        gemm.gemm(transA == Transpose.YES, transB == Transpose.YES, m, n, k, alpha, CpuBuffer.of(a), (int) aOffset,
                lda, CpuBuffer.of(b), (int) bOffset, ldb, beta, CpuBuffer.of(c), (int) cOffset, ldc);
    }

    /**
     * Declares the buffer compact for the vector GEMM's row kernels (batches of one and two rows); the scalar twin
     * and the batch-invariant GEMM read the floats.
     */
    @Override
    public boolean keepWeightsCompact(DeviceBuffer weights, int rows, int cols, WeightPrecision precision,
                                      float[] rowScales) {
        CpuBuffer buffer = CpuBuffer.of(weights);
        if (precision == WeightPrecision.FLOAT32 || !gemm.readsCompactWeights()) {
            buffer.compactWeights = null;
            return false;
        }
        if ((long) rows * cols > buffer.size() || rows < 0 || cols < 1) {
            throw new IllegalArgumentException(rows + " × " + cols + " weights do not fit " + buffer);
        }
        if (precision == WeightPrecision.INT8 && (rowScales == null || rowScales.length < rows)) {
            throw new IllegalArgumentException("int8 weights need one scale per row: " + rows + " rows, "
                    + (rowScales == null ? "no scales" : rowScales.length + " scales"));
        }
        buffer.compactWeights = new CompactWeights(precision, rows, cols,
                rowScales == null ? null : rowScales.clone(), buffer.version());
        return true;
    }

    @Override
    public void gemmPlusRow(Transpose transA, Transpose transB, int m, int n, int k, DeviceBuffer a, long aOffset,
                            int lda, DeviceBuffer b, long bOffset, int ldb, DeviceBuffer row, long rowOffset,
                            DeviceBuffer c, long cOffset) {
        gemm.gemmPlusRow(transA == Transpose.YES, transB == Transpose.YES, m, n, k, CpuBuffer.of(a), (int) aOffset,
                lda, CpuBuffer.of(b), (int) bOffset, ldb, CpuBuffer.of(row), (int) rowOffset, CpuBuffer.of(c),
                (int) cOffset);
    }

    @Override
    public synchronized void cellForward(CellType cell, StepArgs args) {
        step.forForward(cell, args);
        runCells(forwardParts, PARALLEL_CELL_UNITS);
    }

    @Override
    public synchronized void cellBackward(CellType cell, StepArgs args) {
        step.forBackward(cell, args);
        runCells(backwardParts, PARALLEL_BACKWARD_CELL_UNITS);
    }

    @Override
    public synchronized void gruResetForward(StepArgs args) {
        step.forResetForward(args);
        runCells(resetForwardParts, PARALLEL_CELL_UNITS);
    }

    @Override
    public synchronized void gruResetBackward(StepArgs args) {
        step.forResetBackward(args);
        runCells(resetBackwardParts, PARALLEL_BACKWARD_CELL_UNITS);
    }

    /** Runs a cell call's parts, on the pool from {@code parallelUnits} units (batch rows × hidden units) on. */
    private void runCells(WorkerPool.Task parts, int parallelUnits) {
        try {
            if ((long) step.batch * step.hidden < parallelUnits || pool.parts() == 1) {
                parts.run(0, 1);
            } else {
                pool.run(parts);
            }
        } finally {
            step.clear();
        }
    }

    /**
     * The parts of a cell call: whole rows each when the batch is large enough, else a slice of hidden units of
     * every row.
     */
    private WorkerPool.Task parts(CellBlock block) {
        return (part, parts) -> {
            int b0 = 0;
            int b1 = step.batch;
            int j0 = 0;
            int j1 = step.hidden;
            if (step.batch >= 2 * parts) {
                b0 = WorkerPool.begin(step.batch, part, parts);
                b1 = WorkerPool.begin(step.batch, part + 1, parts);
            } else {
                // Slices in multiples of 16 so the vector body covers them.
                int blocks = (step.hidden + 15) / 16;
                j0 = Math.min(step.hidden, WorkerPool.begin(blocks, part, parts) * 16);
                j1 = Math.min(step.hidden, WorkerPool.begin(blocks, part + 1, parts) * 16);
            }
            if (b0 < b1 && j0 < j1) {
                block.run(step, b0, b1, j0, j1);
            }
        };
    }

    /** Below this many floats moved, a helper runs on the calling thread. */
    private static final long PARALLEL_HELPER_FLOATS = 1L << 15;

    // The running helper's arguments, read by its parts (helpers are serialised by this object's lock).
    private float[] helperSrc;
    private float[] helperDst;
    private int[] helperLengths;
    private int helperSrcOff;
    private int helperDstOff;
    private int helperSrcLd;
    private int helperDstLd;
    private int helperRows;
    private int helperCols;
    private int helperBatch;
    private float helperBeta;
    private boolean helperReverse;
    /** Broadcast's parts: rows. */
    private final WorkerPool.Task broadcastParts = (part, parts) -> HostPrimitives.broadcastRows(helperSrc,
            helperSrcOff, helperDst, helperDstOff, helperCols, WorkerPool.begin(helperRows, part, parts),
            WorkerPool.begin(helperRows, part + 1, parts));
    /** copySteps' parts: steps. */
    private final WorkerPool.Task copyStepsParts = (part, parts) -> HostPrimitives.copySteps(helperLengths,
            helperBatch, helperCols, helperSrc, helperSrcOff, helperSrcLd, helperDst, helperDstOff, helperDstLd,
            helperReverse, WorkerPool.begin(helperRows, part, parts), WorkerPool.begin(helperRows, part + 1, parts));
    /** columnSums' parts: column blocks of 16. */
    private final WorkerPool.Task columnSumsParts = this::columnSumsPart;

    private void runHelper(WorkerPool.Task helper, long floats) {
        try {
            if (floats < PARALLEL_HELPER_FLOATS || pool.parts() == 1) {
                helper.run(0, 1);
            } else {
                pool.run(helper);
            }
        } finally {
            helperSrc = helperDst = null;
            helperLengths = null;
        }
    }

    private void columnSumsPart(int part, int parts) {
        int blocks = (helperCols + 15) / 16;
        int c0 = Math.min(helperCols, WorkerPool.begin(blocks, part, parts) * 16);
        int c1 = Math.min(helperCols, WorkerPool.begin(blocks, part + 1, parts) * 16);
        float[] s = helperSrc;
        float[] d = helperDst;
        int out = helperDstOff;
        for (int c = c0; c < c1; c++) {
            d[out + c] = helperBeta == 0 ? 0 : helperBeta * d[out + c];
        }
        // Row by row, so the inner loop is unit-stride (and auto-vectorised).
        for (int r = 0; r < helperRows; r++) {
            int row = helperSrcOff + r * helperCols;
            for (int c = c0; c < c1; c++) {
                d[out + c] += s[row + c];
            }
        }
    }

    @Override
    public synchronized void broadcastRows(DeviceBuffer row, long rowOffset, DeviceBuffer dst, long dstOffset,
                                           int rows, int cols) {
        helperSrc = CpuBuffer.floatsForRead(row);
        helperDst = CpuBuffer.floatsForWrite(dst);
        helperSrcOff = (int) rowOffset;
        helperDstOff = (int) dstOffset;
        helperRows = rows;
        helperCols = cols;
        runHelper(broadcastParts, (long) rows * cols);
    }

    @Override
    public synchronized void columnSums(DeviceBuffer src, long srcOffset, int rows, int cols, float beta,
                                        DeviceBuffer dst, long dstOffset) {
        helperSrc = CpuBuffer.floatsForRead(src);
        helperDst = CpuBuffer.floatsForWrite(dst);
        helperSrcOff = (int) srcOffset;
        helperDstOff = (int) dstOffset;
        helperRows = rows;
        helperCols = cols;
        helperBeta = beta;
        runHelper(columnSumsParts, (long) rows * cols);
    }

    @Override
    public void columnSumsOfProducts(MatrixRef a, MatrixRef b, int rows, int cols, float beta, DeviceBuffer dst,
                                     long dstOffset) {
        float[] av = CpuBuffer.floatsForRead(a.buffer());
        float[] bv = CpuBuffer.floatsForRead(b.buffer());
        float[] d = CpuBuffer.floatsForWrite(dst);
        int out = (int) dstOffset;
        for (int c = 0; c < cols; c++) {
            d[out + c] = beta == 0 ? 0 : beta * d[out + c];
        }
        // Row by row, so the inner loop is unit-stride; once per pass, so on the calling thread.
        for (int r = 0; r < rows; r++) {
            int ar = (int) a.offset() + r * a.ld();
            int br = (int) b.offset() + r * b.ld();
            for (int c = 0; c < cols; c++) {
                d[out + c] += av[ar + c] * bv[br + c];
            }
        }
    }

    @Override
    public synchronized void copySteps(DeviceBuffer lengths, int steps, int batch, int width, MatrixRef src,
                                       MatrixRef dst, boolean reverse) {
        helperLengths = CpuBuffer.ints(lengths);
        helperSrc = CpuBuffer.floatsForRead(src.buffer());
        helperDst = CpuBuffer.floatsForWrite(dst.buffer());
        helperSrcOff = (int) src.offset();
        helperDstOff = (int) dst.offset();
        helperSrcLd = src.ld();
        helperDstLd = dst.ld();
        helperRows = steps;
        helperBatch = batch;
        helperCols = width;
        helperReverse = reverse;
        runHelper(copyStepsParts, (long) steps * batch * width);
    }
}
