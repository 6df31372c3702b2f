package dev.rnn4j.cpu;

import dev.rnn4j.CellType;
import dev.rnn4j.spi.GemmArgs;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.StepConfig;
import dev.rnn4j.spi.Transpose;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A layer direction's forward steps as one task on the pool, every part on its own thread from the first step to
 * the last: part p owns a slice of the hidden units, and at each step computes its units' gates (one GEMM on its
 * slice of W_hh, {@link StepPanels}) and then their cells, and waits for the other parts only once, before the next
 * step reads the whole of h. The step-by-step plan hands the pool a GEMM per step and runs small cell steps on one
 * thread, two waits on the pool per step and a serial cell; a step of a small batch lasts a few microseconds, so
 * those were a third to a half of it (infer:LSTM:256:256:4:50).
 *
 * <p>Every element is computed by the kernel the step-by-step plan would use for it (the GEMM's kernels depend on
 * the batch and depth alone, the cells are element-wise), so the results are that plan's bits. Runs only where all
 * parts get a thread at once ({@link WorkerPool#runTogether}); otherwise the driver steps as usual.
 */
final class StepLoop implements WorkerPool.Task {
    /** Hidden units are dealt out in blocks of this many, a whole number of vectors at every width. */
    private static final int UNIT_BLOCK = 16;
    /** Counters of finished steps, one per part, this many longs apart so that no two share a cache line. */
    private static final int COUNTER_STRIDE = 16;
    /** A waiting part parks this long at a time once spinning and yielding have not seen the others arrive. */
    private static final long PARK_NANOS = 20_000;
    /** Indices of the offsets a step moves (see {@link #offsets}). */
    private static final int GX = 0;
    private static final int H_PREV = 1;
    private static final int H_NEXT = 2;
    private static final int C_PREV = 3;
    private static final int C_NEXT = 4;
    private static final int RESERVE = 5;
    private static final int OFFSETS = 6;

    private final WorkerPool pool;
    private final CellKernels cells;
    /** The fewest multiply-adds in a step's GEMM for which a loop's threads pay. */
    private final long minStepWork;
    /** Sequences run so far. */
    private long sequences;
    /** Per part: a single-threaded GEMM and its scratch for the part's gates, and the part's cell arrays. */
    private final VectorGemm[] lanes;
    private final float[][] gates;
    private final CellArrays[] cellArrays;
    private final AtomicLongArray finished;
    private volatile boolean broken;
    /** Unit bounds for the last hidden size seen ({@code parts + 1} entries), reused while it stays the same. */
    private int[] bounds = new int[0];
    private int boundsHidden = -1;

    // The running sequence, read by the parts; sequences are serialised by the primitives' lock.
    private StepPanels weights;
    private boolean compactRows;
    private int steps;
    private int batch;
    private int gateCount;
    private int hidden;
    private int depth;
    private float[] h;
    /** gh, whose rows are {@link #ghStride} apart from element 0 (as {@link #plainRecurrentGemm} requires). */
    private float[] gh;
    private int ghStride;
    /** Offsets at step 0 and their growth per step, at the indices below. */
    private final int[] base = new int[OFFSETS];
    private final int[] perStep = new int[OFFSETS];

    /**
     * @param pool  the pool whose parts the loop uses
     * @param lanes       one single-threaded GEMM per part of the pool
     * @param minStepWork the fewest multiply-adds in a step's GEMM for which the loop runs: below it the threads'
     *                    meeting costs more than they save
     */
    StepLoop(WorkerPool pool, CellKernels cells, VectorGemm[] lanes, long minStepWork) {
        if (lanes.length != pool.parts()) {
            throw new IllegalArgumentException(lanes.length + " GEMMs for a pool of " + pool.parts() + " parts");
        }
        this.pool = pool;
        this.cells = cells;
        this.minStepWork = minStepWork;
        this.lanes = lanes.clone();
        this.gates = new float[lanes.length][0];
        this.cellArrays = new CellArrays[lanes.length];
        for (int p = 0; p < lanes.length; p++) {
            cellArrays[p] = new CellArrays();
        }
        this.finished = new AtomicLongArray(lanes.length * COUNTER_STRIDE);
    }

    /**
     * Runs steps 0 … {@code steps − 1} and returns true; or returns false, having done nothing, where the loop does
     * not apply: a projected LSTM or original-form GRU, a recurrent GEMM of another form than {@code h·W_hhᵀ} into
     * gh, a step too small to split, or workers busy with another caller's task. The caller holds the primitives'
     * lock.
     */
    boolean forward(CellType cell, GemmArgs recurrent, StepArgs step, int steps) {
        StepConfig config = step.config;
        int H = config.hidden();
        int GH = config.gateRows();
        int S = config.stateSize();
        if (steps < 1 || config.projected() || config.originalGru() || !plainRecurrentGemm(recurrent, step, GH, S)
                || (long) recurrent.m * recurrent.n * recurrent.k < minStepWork) {
            return false;
        }
        CpuBuffer w = CpuBuffer.of(recurrent.b);
        int wOffset = Math.toIntExact(recurrent.bOffset);
        int[] cut = bounds(H);
        CompactWeights declared = w.compactWeights;
        boolean compact = declared != null && declared.covers(w.version(), wOffset, recurrent.ldb, GH, S)
                && lanes[0].readsCompactRows(step.batch);
        StepPanels panels = w.stepPanels;
        if (panels == null || !panels.fits(w.version(), wOffset, recurrent.ldb, config.cell().gates(), H, S, cut,
                compact)) {
            panels = StepPanels.pack(CpuBuffer.floatsForRead(w), wOffset, recurrent.ldb, config.cell().gates(), H, S,
                    cut, compact ? declared : null, w.version());
            w.stepPanels = panels;
        }
        prepare(cell, recurrent, step, steps, panels, compact);
        try {
            boolean ran = pool.runTogether(this);
            if (ran) {
                sequences++;
            }
            return ran;
        } finally {
            weights = null;
            h = gh = null;
            for (CellArrays x : cellArrays) {
                x.clear();
            }
        }
    }

    /** How many sequences the loop has run (the caller holds the primitives' lock). */
    long sequences() {
        return sequences;
    }

    /** Whether the recurrent GEMM is {@code gh = h_{t−1}·W_hhᵀ} over the step's buffers, as the driver sets it. */
    private static boolean plainRecurrentGemm(GemmArgs g, StepArgs s, int gateRows, int stateSize) {
        return g.transA == Transpose.NO && g.transB == Transpose.YES && g.alpha == 1f && g.beta == 0f
                && g.m == s.batch && g.n == gateRows && g.k == stateSize && stateSize > 0 && g.lda == stateSize
                && g.a == s.hPrev && g.aOffset == s.hPrevOffset() && g.c == s.gh && g.cOffset == 0
                && g.ldc == gateRows && g.ldb >= stateSize;
    }

    /** Hidden units of each part: blocks of {@link #UNIT_BLOCK} dealt out evenly, the last block short. */
    private int[] bounds(int hiddenUnits) {
        if (hiddenUnits != boundsHidden) {
            int parts = pool.parts();
            int blocks = (hiddenUnits + UNIT_BLOCK - 1) / UNIT_BLOCK;
            int[] b = new int[parts + 1];
            for (int p = 0; p <= parts; p++) {
                b[p] = Math.min(hiddenUnits, WorkerPool.begin(blocks, p, parts) * UNIT_BLOCK);
            }
            bounds = b;
            boundsHidden = hiddenUnits;
        }
        return bounds;
    }

    private void prepare(CellType cell, GemmArgs recurrent, StepArgs step, int steps, StepPanels panels,
                         boolean compact) {
        StepConfig config = step.config;
        this.weights = panels;
        this.compactRows = compact;
        this.steps = steps;
        this.batch = step.batch;
        this.gateCount = config.cell().gates();
        this.hidden = config.hidden();
        this.depth = config.stateSize();
        this.h = CpuBuffer.floatsForRead(recurrent.a);
        this.gh = CpuBuffer.floatsForWrite(recurrent.c);
        this.ghStride = recurrent.ldc;
        // StepArgs places every buffer by one rule, the steps one after another: the offsets grow by the same
        // amount each step, read here from steps 0 and 1.
        step.forwardStep(1);
        offsets(step, perStep);
        step.forwardStep(0);
        offsets(step, base);
        for (int i = 0; i < base.length; i++) {
            perStep[i] -= base[i];
        }
        for (int p = 0; p < cellArrays.length; p++) {
            // Resolved here, on the calling thread: resolving for writing bumps buffer versions.
            cellArrays[p].forForward(cell, step);
            int units = bounds[p + 1] - bounds[p];
            int need = Math.multiplyExact(batch, gateCount * units);
            if (gates[p].length < need) {
                gates[p] = new float[need];
            }
        }
        broken = false;
        for (int p = 0; p < cellArrays.length; p++) {
            finished.set(p * COUNTER_STRIDE, 0);
        }
    }

    private static void offsets(StepArgs s, int[] into) {
        into[GX] = Math.toIntExact(s.gxOffset());
        into[H_PREV] = Math.toIntExact(s.hPrevOffset());
        into[H_NEXT] = Math.toIntExact(s.hNextOffset());
        into[C_PREV] = Math.toIntExact(s.cPrevOffset());
        into[C_NEXT] = Math.toIntExact(s.cNextOffset());
        into[RESERVE] = Math.toIntExact(s.reserveOffset());
    }

    @Override
    public void run(int part, int parts) {
        try {
            int u0 = bounds[part];
            int u1 = bounds[part + 1];
            for (int t = 0; t < steps; t++) {
                if (u0 < u1) {
                    step(part, t, u0, u1);
                }
                finished.set(part * COUNTER_STRIDE, t + 1);
                if (!awaitOthers(t + 1)) {
                    return;
                }
            }
        } catch (RuntimeException | Error e) {
            // The others stop waiting; the pool rethrows this to the caller.
            broken = true;
            throw e;
        }
    }

    /** Part {@code part}'s share of step {@code t}: its units' gates, then their cells. */
    private void step(int part, int t, int u0, int u1) {
        int units = u1 - u0;
        int width = gateCount * units;
        float[] out = gates[part];
        lanes[part].multiplyPacked(batch, width, depth, h, at(H_PREV, t), depth, weights.panels(part),
                compactRows ? weights.compact(part) : null, out, 0, width);
        for (int r = 0; r < batch; r++) {
            for (int g = 0; g < gateCount; g++) {
                System.arraycopy(out, r * width + g * units, gh, r * ghStride + g * hidden + u0, units);
            }
        }
        CellArrays x = cellArrays[part];
        x.step = t;
        x.gxOff = at(GX, t);
        x.hPrevOff = at(H_PREV, t);
        x.hNextOff = at(H_NEXT, t);
        x.cPrevOff = at(C_PREV, t);
        x.cNextOff = at(C_NEXT, t);
        x.reserveOff = at(RESERVE, t);
        cells.forward(x, 0, batch, u0, u1);
    }

    /** Offset {@code which} at step {@code t}. */
    private int at(int which, int t) {
        return base[which] + t * perStep[which];
    }

    /** Waits until every part has finished {@code steps} steps; false when a part failed instead. */
    private boolean awaitOthers(long steps) {
        int parts = cellArrays.length;
        for (int q = 0; q < parts; q++) {
            long since = System.nanoTime();
            while (finished.get(q * COUNTER_STRIDE) < steps) {
                if (broken) {
                    return false;
                }
                WorkerPool.pause(this, since, PARK_NANOS);
            }
        }
        return true;
    }
}
