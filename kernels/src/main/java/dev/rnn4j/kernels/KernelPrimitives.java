package dev.rnn4j.kernels;

import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.spi.Backend;
import dev.rnn4j.spi.DeviceBuffer;
import dev.rnn4j.spi.GemmArgs;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.Primitives;
import dev.rnn4j.spi.TrainingPrimitives;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.Transpose;
import java.util.List;

/**
 * The {@link Primitives} of a device backend that runs this module's kernels: each call names a kernel, passes its
 * arguments in the order the kernels declare them, and launches it, through {@link KernelCalls}; and the policy of
 * the small-batch step forms ({@link StepForm}: which steps fuse, when a layer direction's steps run as one
 * sequence launch). The argument lists live here once, beside the kernels' source, for OpenCL and CUDA alike; a
 * backend may override {@link #gemm} (a vendor BLAS) and {@link #copy}. The training kernels are {@link #training()}.
 * Calls are serialised by this object's lock.
 */
public abstract class KernelPrimitives extends KernelCalls implements Primitives, AutoCloseable {
    /** The activation codes of each cell's own functions, for steps without ONNX activations. */
    private static final Activation[][] OWN = new Activation[CellType.values().length][];

    static {
        for (CellType c : CellType.values()) {
            List<Activation> d = Activation.defaults(c);
            OWN[c.ordinal()] = d.toArray(new Activation[0]);
        }
    }

    /** How small-batch forward steps run. */
    private final StepForm stepForm;
    private final KernelTrainingPrimitives training;
    /** recurrent_sequence launches so far. */
    private long sequenceLaunches;
    /**
     * Two ints that {@code recurrent_sequence}'s barrier between steps keeps (see its source): zeroed when made, at
     * the first launch, and zero again after every barrier; null before.
     */
    private DeviceBuffer barrierState;

    /**
     * @param owner    the backend these primitives run on (it need not be ready yet: nothing is allocated here)
     * @param stepForm how small-batch forward steps run (see {@link StepForm})
     */
    protected KernelPrimitives(Backend owner, StepForm stepForm) {
        super(owner);
        this.stepForm = stepForm;
        this.training = new KernelTrainingPrimitives(this);
    }

    /** The training primitives, which launch through these primitives' calls and lock. */
    public TrainingPrimitives training() {
        return training;
    }

    /** How this backend runs small-batch forward steps. */
    public StepForm stepForm() {
        return stepForm;
    }

    /** How many {@code recurrent_sequence} launches this backend has made: which form the steps took, for tests. */
    public synchronized long sequenceLaunches() {
        return sequenceLaunches;
    }

    private void activations(CellType cell, StepArgs s) {
        Activation[] a = s.activations != null ? s.activations : OWN[cell.ordinal()];
        for (int slot = 0; slot < 3; slot++) {
            Activation x = slot < a.length ? a[slot] : Activation.TANH;
            arg(x.function().ordinal());
            arg(x.alpha());
            arg(x.beta());
        }
        arg(s.activations != null);
    }

    /** The arguments every step kernel begins with: B, H, the step and the lengths. */
    private void rows(StepArgs s) {
        arg(s.batch);
        arg(s.hidden);
        arg(s.step);
        ints(s.lengths);
    }

    /** h_prev, c_prev, h_next, c_next with their offsets. */
    private void states(StepArgs s) {
        buffer(s.hPrev, s.hPrevOffset);
        buffer(s.cPrev, s.cPrevOffset);
        buffer(s.hNext, s.hNextOffset);
        buffer(s.cNext, s.cNextOffset);
    }

    /** A reserve row's width and where its clip flags and pre-activations start. */
    private void reserveLayout(CellType cell, StepArgs s, int width) {
        arg(width);
        arg(StepArgs.reserveWidth(cell, s.hidden));
        arg(StepArgs.preActivationsAt(cell, s.hidden, s.clip > 0));
    }

    private static int reserveWidth(CellType cell, StepArgs s) {
        return StepArgs.reserveWidth(cell, s.hidden, s.clip > 0, s.activations != null);
    }

    @Override
    public synchronized void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                                  DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb,
                                  float beta, DeviceBuffer c, long cOffset, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        begin("gemm_tiled");
        arg(transA == Transpose.YES);
        arg(transB == Transpose.YES);
        arg(m);
        arg(n);
        arg(k);
        arg(alpha);
        buffer(a, aOffset);
        arg(lda);
        buffer(b, bOffset);
        arg(ldb);
        arg(beta);
        buffer(c, cOffset);
        arg(ldc);
        launchTiles(m, n);
    }

    @Override
    public synchronized void cellForward(CellType cell, StepArgs s) {
        begin("cell_forward");
        cellForwardArgs(cell, s);
        launch((long) s.batch * s.hidden);
    }

    @Override
    public synchronized void recurrentForward(CellType cell, GemmArgs g, StepArgs s) {
        if (!fuses(cell, g, s)) {
            Primitives.super.recurrentForward(cell, g, s);
            return;
        }
        begin("recurrent_forward");
        recurrentArgs(cell, g, s);
        int units = (KernelSource.STEP_GROUP / KernelSource.STEP_LANES) / cell.gates();
        launchGroups((s.hidden + units - 1) / units, KernelSource.STEP_GROUP);
    }

    /**
     * With {@link StepForm#PERSISTENT}, the layer direction's steps as {@code recurrent_sequence} launches where the
     * step is one {@code recurrent_forward} would run, h_{t−1} is the GEMM's A in rows of {@code hidden}, and the
     * device plans it (W_hh fits on chip).
     */
    @Override
    public synchronized boolean recurrentForwardSteps(CellType cell, GemmArgs g, StepArgs s, int steps) {
        if (stepForm != StepForm.PERSISTENT || steps < 1 || !fuses(cell, g, s) || s.projected || g.a != s.hPrev
                || g.aOffset != s.hPrevOffset || g.lda != s.hidden || g.k != s.hidden) {
            return false;
        }
        SequencePlan plan = sequencePlan(cell.gates(), s.hidden, g.k);
        if (plan == null) {
            return false;
        }
        // The kernel moves its offsets in 32-bit arithmetic: the last step's must fit as the first step's do.
        long rowsOn = (long) (steps - 1) * s.batch;
        index(s.hNextOffset + rowsOn * s.hidden + (long) s.batch * s.hidden);
        index(s.gxOffset + rowsOn * cell.gates() * s.hidden);
        index(s.reserveOffset + rowsOn * reserveWidth(cell, s));
        if (barrierState == null) {
            barrierState = owner.allocateInts(2);
            owner.uploadInts(new int[2], 0, barrierState, 0, 2);
        }
        int perLaunch = plan.allStepsPerLaunch() ? steps : 1;
        for (int t0 = 0; t0 < steps; t0 += perLaunch) {
            begin("recurrent_sequence");
            arg(t0);
            arg(Math.min(steps, t0 + perLaunch));
            arg(plan.units());
            ints(barrierState);
            localFloats(plan.localFloats());
            recurrentArgs(cell, g, s);
            launchSequence(plan);
            sequenceLaunches++;
        }
        return true;
    }

    @Override
    public synchronized void recurrentForwardPair(CellType cell, GemmArgs firstRecurrent, StepArgs first,
                                                  GemmArgs secondRecurrent, StepArgs second) {
        recurrentForward(cell, firstRecurrent, first);
        recurrentForward(cell, secondRecurrent, second);
    }

    /**
     * Whether {@code recurrent_forward} computes this step: the GEMM is the step's {@code gh = A·W_hhᵀ} (plain, into
     * gh's rows, nothing accumulated) for at most {@link KernelSource#STEP_MAX_BATCH} rows, and the cell is not the
     * original-form GRU (whose step has a second GEMM between). Each item keeps one accumulator per row in
     * registers and sums its rows serially, so the kernel is for the few-row steps where the launch it saves is most
     * of the cost; with more rows a tiled GEMM's reuse of what it loads wins.
     */
    private boolean fuses(CellType cell, GemmArgs g, StepArgs s) {
        int gateRows = cell.gates() * s.hidden;
        return stepForm != StepForm.UNFUSED && !s.linearAfterReset && s.batch >= 1
                && s.batch <= KernelSource.STEP_MAX_BATCH && g.m == s.batch && g.n == gateRows && g.k >= 1 && g.transA == Transpose.NO
                && g.transB == Transpose.YES && g.alpha == 1f && g.beta == 0f && g.c == s.gh
                && g.cOffset == s.ghOffset && g.ldc == gateRows;
    }

    /** The arguments recurrent_forward's and recurrent_sequence's end with: the recurrent GEMM's, then the cell's. */
    private void recurrentArgs(CellType cell, GemmArgs g, StepArgs s) {
        arg(g.k);
        buffer(g.a, g.aOffset);
        arg(g.lda);
        buffer(g.b, g.bOffset);
        arg(g.ldb);
        cellForwardArgs(cell, s);
    }

    /** cell_forward's arguments, which recurrent_forward's also end with. */
    private void cellForwardArgs(CellType cell, StepArgs s) {
        int width = reserveWidth(cell, s);
        arg(cell.ordinal());
        rows(s);
        buffer(s.gx, s.gxOffset);
        buffer(s.gh, s.ghOffset);
        buffer(s.bhh, s.bhhOffset);
        arg(s.bhh != null);
        buffer(s.peephole, s.peepholeOffset);
        arg(s.peephole != null);
        arg(s.inputForget);
        arg(s.clip);
        arg(s.cellClip);
        arg(s.linearAfterReset);
        arg(s.projected);
        activations(cell, s);
        states(s);
        boolean keep = s.reserve != null && width > 0;
        buffer(keep ? s.reserve : null, keep ? s.reserveOffset : 0);
        arg(keep);
        reserveLayout(cell, s, width);
    }

    @Override
    public synchronized void cellBackward(CellType cell, StepArgs s) {
        int width = reserveWidth(cell, s);
        begin("cell_backward");
        arg(cell.ordinal());
        rows(s);
        buffer(s.peephole, s.peepholeOffset);
        arg(s.peephole != null);
        arg(s.inputForget);
        arg(s.clip);
        arg(s.cellClip);
        arg(s.linearAfterReset);
        activations(cell, s);
        states(s);
        buffer(width > 0 ? s.reserve : null, width > 0 ? s.reserveOffset : 0);
        reserveLayout(cell, s, width);
        buffer(s.dy, s.dyOffset);
        arg(s.dy != null);
        buffer(s.dh, s.dhOffset);
        buffer(s.dc, s.dcOffset);
        buffer(s.dhPrev, s.dhPrevOffset);
        buffer(s.dGatesX, s.dGatesXOffset);
        boolean ownRecurrentSide = cell == CellType.GRU && !s.linearAfterReset;
        buffer(ownRecurrentSide ? s.dGatesH : null, ownRecurrentSide ? s.dGatesHOffset : 0);
        arg(ownRecurrentSide);
        launch((long) s.batch * s.hidden);
    }

    @Override
    public synchronized void gruResetForward(StepArgs s) {
        CellType cell = CellType.GRU;
        int width = reserveWidth(cell, s);
        Activation f = s.activations != null ? s.activations[0] : Activation.SIGMOID;
        begin("gru_reset_forward");
        rows(s);
        buffer(s.gx, s.gxOffset);
        buffer(s.gh, s.ghOffset);
        buffer(s.bhh, s.bhhOffset);
        arg(s.bhh != null);
        arg(s.clip);
        arg(f.function().ordinal());
        arg(f.alpha());
        arg(f.beta());
        arg(s.activations != null);
        buffer(s.hPrev, s.hPrevOffset);
        buffer(s.rh, s.rhOffset);
        arg(s.rhStride);
        boolean keep = s.reserve != null;
        buffer(keep ? s.reserve : null, keep ? s.reserveOffset : 0);
        arg(keep);
        reserveLayout(cell, s, width);
        launch((long) s.batch * s.hidden);
    }

    @Override
    public synchronized void gruResetBackward(StepArgs s) {
        CellType cell = CellType.GRU;
        Activation f = s.activations != null ? s.activations[0] : Activation.SIGMOID;
        begin("gru_reset_backward");
        rows(s);
        arg(s.clip);
        arg(f.function().ordinal());
        arg(f.alpha());
        arg(f.beta());
        arg(s.activations != null);
        buffer(s.hPrev, s.hPrevOffset);
        buffer(s.drh, s.drhOffset);
        buffer(s.reserve, s.reserveOffset);
        reserveLayout(cell, s, reserveWidth(cell, s));
        buffer(s.dhPrev, s.dhPrevOffset);
        buffer(s.dGatesX, s.dGatesXOffset);
        launch((long) s.batch * s.hidden);
    }

    @Override
    public synchronized void carryPastEnd(DeviceBuffer lengths, int step, int batch, int width, MatrixRef src,
                                          MatrixRef dst, float beta) {
        begin("carry_past_end");
        ints(lengths);
        arg(step);
        arg(batch);
        arg(width);
        buffer(src.buffer(), src.offset());
        arg(src.ld());
        buffer(dst.buffer(), dst.offset());
        arg(dst.ld());
        arg(beta);
        launch((long) batch * width);
    }

    @Override
    public synchronized void fill(DeviceBuffer dst, long offset, long n, float value) {
        begin("fill_floats");
        buffer(dst, offset);
        arg(index(n));
        arg(value);
        launch(n);
    }

    @Override
    public synchronized void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long n) {
        begin("copy_floats");
        buffer(src, srcOffset);
        buffer(dst, dstOffset);
        arg(index(n));
        launch(n);
    }

    @Override
    public synchronized void broadcastRows(DeviceBuffer row, long rowOffset, DeviceBuffer dst, long dstOffset,
                                           int rows, int cols) {
        begin("broadcast_rows");
        buffer(row, rowOffset);
        buffer(dst, dstOffset);
        arg(rows);
        arg(cols);
        launch((long) rows * cols);
    }

    @Override
    public synchronized void columnSums(DeviceBuffer src, long srcOffset, int rows, int cols, float beta,
                                        DeviceBuffer dst, long dstOffset) {
        begin("column_sums");
        buffer(src, srcOffset);
        arg(rows);
        arg(cols);
        arg(beta);
        buffer(dst, dstOffset);
        launch(cols);
    }

    @Override
    public synchronized void columnSumsOfProducts(MatrixRef a, MatrixRef b, int rows, int cols, float beta,
                                                  DeviceBuffer dst, long dstOffset) {
        begin("column_sums_of_products");
        buffer(a.buffer(), a.offset());
        arg(a.ld());
        buffer(b.buffer(), b.offset());
        arg(b.ld());
        arg(rows);
        arg(cols);
        arg(beta);
        buffer(dst, dstOffset);
        launch(cols);
    }

    @Override
    public synchronized void copySteps(DeviceBuffer lengths, int steps, int batch, int width, MatrixRef src,
                                       MatrixRef dst, boolean reverse) {
        begin("copy_steps");
        ints(lengths);
        arg(steps);
        arg(batch);
        arg(width);
        buffer(src.buffer(), src.offset());
        arg(src.ld());
        buffer(dst.buffer(), dst.offset());
        arg(dst.ld());
        arg(reverse);
        launch((long) steps * batch * width);
    }

    /** Releases the buffers these primitives made on their backend; a backend's primitives add their own. */
    @Override
    public synchronized void close() {
        if (barrierState != null) {
            barrierState.close();
            barrierState = null;
        }
        releaseStandIns();
    }
}
