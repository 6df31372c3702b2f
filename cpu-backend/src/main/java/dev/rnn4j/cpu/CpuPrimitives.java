package dev.rnn4j.cpu;

import dev.rnn4j.CellType;
import dev.rnn4j.host.HostPrimitives;
import dev.rnn4j.spi.DeviceBuffer;
import dev.rnn4j.spi.GemmArgs;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.Transpose;

/**
 * The CPU primitives: GEMM and fused cells from the chosen kernels (vector or scalar twin), split across the shared
 * pool; the small helpers as plain loops (they move O(T·B·H) floats once per pass, not per step). Calls from
 * different threads are serialised: the pool runs one task at a time.
 *
 * <p>Pairs (the two directions of a bidirectional layer at one step) run one per thread on a two-thread pool, each
 * on its own single-threaded GEMM and cell block: one hand-off per pair instead of one per call, and each thread
 * keeps its direction's weights in its own cache. With more threads, or for steps too small to be worth a hand-off,
 * the two calls run one after the other, each split across the pool.
 */
final class CpuPrimitives implements HostPrimitives, WorkerPool.Task {
    /** Below this many hidden units in a step, splitting it across threads costs more than it saves. */
    private static final int PARALLEL_CELL_UNITS = 4096;

    private final WorkerPool pool;
    private final Gemm gemm;
    private final CellKernels cells;
    /** Below this many multiply-adds per GEMM (or hidden units per cell step), a pair runs on the calling thread. */
    private static final long PAIR_WORK = 1L << 14;

    private final CellArrays step = new CellArrays();
    /** What the running cell call does: one of the CELL_ constants. */
    private int cellKind;
    private static final int CELL_FORWARD = 0;
    private static final int CELL_BACKWARD = 1;
    private static final int CELL_RESET_FORWARD = 2;
    private static final int CELL_RESET_BACKWARD = 3;

    private final Gemm[] laneGemms;
    private final CellArrays[] laneCells = {new CellArrays(), new CellArrays()};
    private final GemmArgs[] laneGemmArgs = new GemmArgs[2];
    /** What the running pair does: a GEMM, a forward cell step or a backward one. */
    private int pairKind;
    private static final int PAIR_GEMM = 0;
    private static final int PAIR_FORWARD = 1;
    private static final int PAIR_BACKWARD = 2;
    private final WorkerPool.Task pairTask = this::runLane;

    /**
     * @param laneGemms two single-threaded GEMMs (on a one-part pool) for the two halves of a pair
     */
    CpuPrimitives(WorkerPool pool, Gemm gemm, Gemm[] laneGemms, CellKernels cells) {
        this.pool = pool;
        this.gemm = gemm;
        this.laneGemms = laneGemms.clone();
        this.cells = cells;
    }

    private void gemm(Gemm g, GemmArgs x) {
        g.gemm(x.transA == Transpose.YES, x.transB == Transpose.YES, x.m, x.n, x.k, x.alpha, CpuBuffer.of(x.a),
                (int) x.aOffset, x.lda, CpuBuffer.of(x.b), (int) x.bOffset, x.ldb, x.beta, CpuBuffer.of(x.c),
                (int) x.cOffset, x.ldc);
    }

    @Override
    public void gemmPair(GemmArgs first, GemmArgs second) {
        long work = Math.min((long) first.m * first.n * first.k, (long) second.m * second.n * second.k);
        if (pool.parts() != 2 || work < PAIR_WORK) {
            gemm(gemm, first);
            gemm(gemm, second);
            return;
        }
        synchronized (this) {
            laneGemmArgs[0] = first;
            laneGemmArgs[1] = second;
            pairKind = PAIR_GEMM;
            try {
                pool.run(pairTask);
            } finally {
                laneGemmArgs[0] = laneGemmArgs[1] = null;
            }
        }
    }

    @Override
    public void cellForwardPair(CellType cell, StepArgs first, StepArgs second) {
        cellPair(PAIR_FORWARD, cell, first, second);
    }

    @Override
    public void cellBackwardPair(CellType cell, StepArgs first, StepArgs second) {
        cellPair(PAIR_BACKWARD, cell, first, second);
    }

    private void cellPair(int kind, CellType cell, StepArgs first, StepArgs second) {
        boolean forwardStep = kind == PAIR_FORWARD;
        if (pool.parts() != 2 || (long) first.batch * first.config.hidden() < PAIR_WORK / 16) {
            if (forwardStep) {
                cellForward(cell, first);
                cellForward(cell, second);
            } else {
                cellBackward(cell, first);
                cellBackward(cell, second);
            }
            return;
        }
        synchronized (this) {
            // Resolved here, on the calling thread: resolving for writing bumps buffer versions.
            for (int lane = 0; lane < 2; lane++) {
                StepArgs a = lane == 0 ? first : second;
                if (forwardStep) {
                    laneCells[lane].forForward(cell, a);
                } else {
                    laneCells[lane].forBackward(cell, a);
                }
            }
            runCellPair(kind);
        }
    }

    private void runCellPair(int kind) {
        pairKind = kind;
        try {
            pool.run(pairTask);
        } finally {
            laneCells[0].clear();
            laneCells[1].clear();
        }
    }

    /** Part {@code part} of a pair: the whole of call {@code part}; parts past the second have nothing to do. */
    private void runLane(int part, int parts) {
        if (part >= 2) {
            return;
        }
        switch (pairKind) {
            case PAIR_GEMM -> gemm(laneGemms[part], laneGemmArgs[part]);
            case PAIR_FORWARD -> cells.forward(laneCells[part], 0, laneCells[part].batch, 0, laneCells[part].hidden);
            default -> cells.backward(laneCells[part], 0, laneCells[part].batch, 0, laneCells[part].hidden);
        }
    }

    @Override
    public void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                     DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb,
                     float beta, DeviceBuffer c, long cOffset, int ldc) {
        gemm.gemm(transA == Transpose.YES, transB == Transpose.YES, m, n, k, alpha, CpuBuffer.of(a), (int) aOffset,
                lda, CpuBuffer.of(b), (int) bOffset, ldb, beta, CpuBuffer.of(c), (int) cOffset, ldc);
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
        cellKind = CELL_FORWARD;
        runCells();
    }

    @Override
    public synchronized void cellBackward(CellType cell, StepArgs args) {
        step.forBackward(cell, args);
        cellKind = CELL_BACKWARD;
        runCells();
    }

    @Override
    public synchronized void gruResetForward(StepArgs args) {
        step.forResetForward(args);
        cellKind = CELL_RESET_FORWARD;
        runCells();
    }

    @Override
    public synchronized void gruResetBackward(StepArgs args) {
        step.forResetBackward(args);
        cellKind = CELL_RESET_BACKWARD;
        runCells();
    }

    private void runCells() {
        try {
            if ((long) step.batch * step.hidden < PARALLEL_CELL_UNITS || pool.parts() == 1) {
                run(0, 1);
            } else {
                pool.run(this);
            }
        } finally {
            step.clear();
        }
    }

    /** A part of a cell step: whole rows when the batch is large enough, else a slice of hidden units of every row. */
    @Override
    public void run(int part, int parts) {
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
        if (b0 >= b1 || j0 >= j1) {
            return;
        }
        switch (cellKind) {
            case CELL_FORWARD -> cells.forward(step, b0, b1, j0, j1);
            case CELL_BACKWARD -> cells.backward(step, b0, b1, j0, j1);
            case CELL_RESET_FORWARD -> cells.gruResetForward(step, b0, b1, j0, j1);
            default -> cells.gruResetBackward(step, b0, b1, j0, j1);
        }
    }

    /** Below this many floats moved, a helper runs on the calling thread. */
    private static final long PARALLEL_HELPER_FLOATS = 1L << 15;

    // The running helper's arguments, read by the parts (helpers are serialised by this object's lock).
    private int helperKind;
    private static final int HELPER_BROADCAST = 0;
    private static final int HELPER_COLUMN_SUMS = 1;
    private static final int HELPER_COPY_STEPS = 2;
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
    private final WorkerPool.Task helperTask = this::runHelper;

    private void runHelper(long floats) {
        try {
            if (floats < PARALLEL_HELPER_FLOATS || pool.parts() == 1) {
                runHelper(0, 1);
            } else {
                pool.run(helperTask);
            }
        } finally {
            helperSrc = helperDst = null;
            helperLengths = null;
        }
    }

    /** Part of a helper: broadcast and copySteps by rows (or steps), columnSums by column blocks of 16. */
    private void runHelper(int part, int parts) {
        switch (helperKind) {
            case HELPER_BROADCAST -> HostPrimitives.broadcastRows(helperSrc, helperSrcOff, helperDst, helperDstOff,
                    helperCols, WorkerPool.begin(helperRows, part, parts), WorkerPool.begin(helperRows, part + 1, parts));
            case HELPER_COLUMN_SUMS -> {
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
            default -> HostPrimitives.copySteps(helperLengths, helperBatch, helperCols, helperSrc, helperSrcOff,
                    helperSrcLd, helperDst, helperDstOff, helperDstLd, helperReverse,
                    WorkerPool.begin(helperRows, part, parts), WorkerPool.begin(helperRows, part + 1, parts));
        }
    }

    @Override
    public synchronized void broadcastRows(DeviceBuffer row, long rowOffset, DeviceBuffer dst, long dstOffset,
                                           int rows, int cols) {
        helperKind = HELPER_BROADCAST;
        helperSrc = CpuBuffer.floatsForRead(row);
        helperDst = CpuBuffer.floatsForWrite(dst);
        helperSrcOff = (int) rowOffset;
        helperDstOff = (int) dstOffset;
        helperRows = rows;
        helperCols = cols;
        runHelper((long) rows * cols);
    }

    @Override
    public synchronized void columnSums(DeviceBuffer src, long srcOffset, int rows, int cols, float beta,
                                        DeviceBuffer dst, long dstOffset) {
        helperKind = HELPER_COLUMN_SUMS;
        helperSrc = CpuBuffer.floatsForRead(src);
        helperDst = CpuBuffer.floatsForWrite(dst);
        helperSrcOff = (int) srcOffset;
        helperDstOff = (int) dstOffset;
        helperRows = rows;
        helperCols = cols;
        helperBeta = beta;
        runHelper((long) rows * cols);
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
        helperKind = HELPER_COPY_STEPS;
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
        runHelper((long) steps * batch * width);
    }
}
