package dev.rnn4j.cpu;

import dev.rnn4j.CellType;
import dev.rnn4j.spi.DeviceBuffer;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.Primitives;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.Transpose;
import java.util.Arrays;

/**
 * The CPU primitives: GEMM and fused cells from the chosen kernels (vector or scalar twin), split across the shared
 * pool; the small helpers as plain loops (they move O(T·B·H) floats once per pass, not per step). Calls from
 * different threads are serialised: the pool runs one task at a time.
 */
final class CpuPrimitives implements Primitives, WorkerPool.Task {
    /** Below this many hidden units in a step, splitting it across threads costs more than it saves. */
    private static final int PARALLEL_CELL_UNITS = 4096;

    private final WorkerPool pool;
    private final Gemm gemm;
    private final CellKernels cells;
    private final CellArrays step = new CellArrays();
    private boolean forward;

    CpuPrimitives(WorkerPool pool, Gemm gemm, CellKernels cells) {
        this.pool = pool;
        this.gemm = gemm;
        this.cells = cells;
    }

    @Override
    public void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                     DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb,
                     float beta, DeviceBuffer c, long cOffset, int ldc) {
        gemm.gemm(transA == Transpose.YES, transB == Transpose.YES, m, n, k, alpha, CpuBuffer.of(a), (int) aOffset,
                lda, CpuBuffer.of(b), (int) bOffset, ldb, beta, CpuBuffer.of(c), (int) cOffset, ldc);
    }

    @Override
    public synchronized void cellForward(CellType cell, StepArgs args) {
        step.forForward(cell, args);
        forward = true;
        runCells();
    }

    @Override
    public synchronized void cellBackward(CellType cell, StepArgs args) {
        step.forBackward(cell, args);
        forward = false;
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
        if (forward) {
            cells.forward(step, b0, b1, j0, j1);
        } else {
            cells.backward(step, b0, b1, j0, j1);
        }
    }

    @Override
    public void fill(DeviceBuffer dst, long offset, long n, float value) {
        Arrays.fill(CpuBuffer.floatsForWrite(dst), (int) offset, (int) (offset + n), value);
    }

    @Override
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long n) {
        System.arraycopy(CpuBuffer.floatsForRead(src), (int) srcOffset, CpuBuffer.floatsForWrite(dst), (int) dstOffset,
                (int) n);
    }

    @Override
    public void broadcastRows(DeviceBuffer row, long rowOffset, DeviceBuffer dst, long dstOffset, int rows, int cols) {
        float[] v = CpuBuffer.floatsForRead(row);
        float[] d = CpuBuffer.floatsForWrite(dst);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(v, (int) rowOffset, d, (int) dstOffset + r * cols, cols);
        }
    }

    @Override
    public void columnSums(DeviceBuffer src, long srcOffset, int rows, int cols, float beta, DeviceBuffer dst,
                           long dstOffset) {
        float[] s = CpuBuffer.floatsForRead(src);
        float[] d = CpuBuffer.floatsForWrite(dst);
        int out = (int) dstOffset;
        for (int c = 0; c < cols; c++) {
            d[out + c] = beta == 0 ? 0 : beta * d[out + c];
        }
        // Row by row, so the inner loop is unit-stride (and auto-vectorised).
        for (int r = 0; r < rows; r++) {
            int row = (int) srcOffset + r * cols;
            for (int c = 0; c < cols; c++) {
                d[out + c] += s[row + c];
            }
        }
    }

    @Override
    public void copySteps(DeviceBuffer lengths, int steps, int batch, int width, MatrixRef src, MatrixRef dst,
                          boolean reverse) {
        int[] len = CpuBuffer.ints(lengths);
        float[] s = CpuBuffer.floatsForRead(src.buffer());
        float[] d = CpuBuffer.floatsForWrite(dst.buffer());
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int dstRow = (int) dst.offset() + (t * batch + b) * dst.ld();
                if (t >= len[b]) {
                    Arrays.fill(d, dstRow, dstRow + width, 0f);
                    continue;
                }
                int from = reverse ? len[b] - 1 - t : t;
                System.arraycopy(s, (int) src.offset() + (from * batch + b) * src.ld(), d, dstRow, width);
            }
        }
    }
}
