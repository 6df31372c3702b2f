package dev.rnn4j.cpu;

import dev.rnn4j.CellType;
import dev.rnn4j.spi.GemmArgs;
import dev.rnn4j.spi.RecurrencePlan;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.Transpose;

/**
 * The CPU backend's plan on a two-thread pool: the two directions of a bidirectional layer at one step run one per
 * thread, each on its own single-threaded GEMM and cell block: one hand-off per pair instead of one per call, and
 * each thread keeps its direction's weights in its own cache. A single direction, or a pair too small to be worth a
 * hand-off, runs as the generic plan does, each call split across the pool. The single-threaded GEMMs compute what
 * the pool's GEMM computes to the bit (a GEMM's result depends on its shape and operands alone).
 */
final class CpuPairedPlan implements RecurrencePlan {
    /** Below this many multiply-adds per GEMM (or hidden units per cell step, times 16), a pair is not split. */
    private static final long PAIR_WORK = 1L << 14;

    private final CpuPrimitives ops;
    /** Calls that do not pair run as the generic plan runs them. */
    private final RecurrencePlan generic;
    private final WorkerPool pool;
    private final CellKernels cells;
    private final Gemm[] laneGemms;
    private final CellArrays[] laneCells = {new CellArrays(), new CellArrays()};
    private final GemmArgs[] laneGemmArgs = new GemmArgs[2];
    /** The lanes of a pair: part 0 the first call, part 1 the second (parts past the second have nothing to do). */
    private final WorkerPool.Task gemmLanes = this::gemmLane;
    private final WorkerPool.Task forwardLanes = this::forwardLane;
    private final WorkerPool.Task backwardLanes = this::backwardLane;

    /**
     * @param ops       the primitives whose lock the pairs take and whose calls unpaired work goes to
     * @param pool      a pool of exactly two parts
     * @param laneGemms two single-threaded GEMMs, one per lane
     */
    CpuPairedPlan(CpuPrimitives ops, WorkerPool pool, Gemm[] laneGemms, CellKernels cells) {
        if (pool.parts() != 2) {
            throw new IllegalArgumentException("the paired plan needs a two-part pool, got " + pool.parts());
        }
        this.ops = ops;
        this.generic = RecurrencePlan.generic(ops);
        this.pool = pool;
        this.cells = cells;
        this.laneGemms = laneGemms.clone();
    }

    private void gemmLane(int part, int parts) {
        if (part < 2) {
            gemm(laneGemms[part], laneGemmArgs[part]);
        }
    }

    private void forwardLane(int part, int parts) {
        if (part < 2) {
            cells.forward(laneCells[part], 0, laneCells[part].batch, 0, laneCells[part].hidden);
        }
    }

    private void backwardLane(int part, int parts) {
        if (part < 2) {
            cells.backward(laneCells[part], 0, laneCells[part].batch, 0, laneCells[part].hidden);
        }
    }

    private static void gemm(Gemm g, GemmArgs x) {
        g.gemm(x.transA == Transpose.YES, x.transB == Transpose.YES, x.m, x.n, x.k, x.alpha, CpuBuffer.of(x.a),
                (int) x.aOffset, x.lda, CpuBuffer.of(x.b), (int) x.bOffset, x.ldb, x.beta, CpuBuffer.of(x.c),
                (int) x.cOffset, x.ldc);
    }

    @Override
    public void gemms(GemmArgs[] gemms, int count) {
        if (count != 2 || Math.min(work(gemms[0]), work(gemms[1])) < PAIR_WORK) {
            generic.gemms(gemms, count);
            return;
        }
        synchronized (ops) {
            laneGemmArgs[0] = gemms[0];
            laneGemmArgs[1] = gemms[1];
            try {
                pool.run(gemmLanes);
            } finally {
                laneGemmArgs[0] = laneGemmArgs[1] = null;
            }
        }
    }

    private static long work(GemmArgs g) {
        return (long) g.m * g.n * g.k;
    }

    @Override
    public void forwardSteps(CellType cell, GemmArgs[] recurrent, StepArgs[] steps, int count) {
        if (count == 2) {
            gemms(recurrent, 2);
            cellForwards(cell, steps, 2);
        } else {
            generic.forwardSteps(cell, recurrent, steps, count);
        }
    }

    @Override
    public void cellForwards(CellType cell, StepArgs[] steps, int count) {
        if (!paired(steps, count)) {
            generic.cellForwards(cell, steps, count);
            return;
        }
        synchronized (ops) {
            // Resolved here, on the calling thread: resolving for writing bumps buffer versions.
            laneCells[0].forForward(cell, steps[0]);
            laneCells[1].forForward(cell, steps[1]);
            runLanes(forwardLanes);
        }
    }

    @Override
    public void cellBackwards(CellType cell, StepArgs[] steps, int count) {
        if (!paired(steps, count)) {
            generic.cellBackwards(cell, steps, count);
            return;
        }
        synchronized (ops) {
            laneCells[0].forBackward(cell, steps[0]);
            laneCells[1].forBackward(cell, steps[1]);
            runLanes(backwardLanes);
        }
    }

    private static boolean paired(StepArgs[] steps, int count) {
        return count == 2 && (long) steps[0].batch * steps[0].config.hidden() >= PAIR_WORK / 16;
    }

    private void runLanes(WorkerPool.Task lanes) {
        try {
            pool.run(lanes);
        } finally {
            laneCells[0].clear();
            laneCells[1].clear();
        }
    }
}
