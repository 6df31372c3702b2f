package dev.rnn4j.kernels;

import dev.rnn4j.Backend;
import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.spi.GemmArgs;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.Primitives;
import dev.rnn4j.spi.RecurrencePlan;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.StepConfig;
import dev.rnn4j.spi.TrainingPrimitives;
import dev.rnn4j.spi.Transpose;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link Primitives} of a device backend that runs this module's kernels: each call names a kernel, passes its
 * arguments in the order the kernels declare them, and launches it, through {@link KernelCalls}; and the policy of
 * the small-batch step forms ({@link StepForm}: which steps fuse, when a layer direction's steps run as one
 * sequence launch). The argument lists live here once, beside the kernels' source, for OpenCL and CUDA alike; a
 * backend may override {@link #gemm} (a vendor BLAS) and {@link #copy}. The training kernels are {@link #training()}.
 * Calls are serialised by this object's lock.
 */
public abstract class KernelPrimitives extends KernelCalls implements Primitives, AutoCloseable {
    /** How small-batch forward steps run. */
    private final StepForm stepForm;
    private final KernelTrainingPrimitives training;
    /** The fused and persistent step forms, offered as the plan unless the steps are {@link StepForm#UNFUSED}. */
    private final KernelStepPlan stepPlan = new KernelStepPlan(this);
    /** recurrent_sequence launches so far. */
    private long sequenceLaunches;
    /**
     * Two ints that {@code recurrent_sequence}'s barrier between steps keeps (see its source): zeroed when made, at
     * the first launch, and zero again after every barrier; null before.
     */
    private DeviceBuffer barrierState;
    /** The device forms of the step configurations met so far, per mode ({@link #config}). */
    private final Map<StepConfig, DeviceBuffer> trainingConfigs = new HashMap<>();
    private final Map<StepConfig, DeviceBuffer> inferenceConfigs = new HashMap<>();

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

    /**
     * The device form of a step's configuration for this pass (training keeps a reserve): uploaded once per value and
     * kept until close, so a configuration costs one small buffer for the backend's life, not a transfer per step.
     */
    private DeviceBuffer config(StepArgs s) {
        boolean training = s.reserve != null;
        Map<StepConfig, DeviceBuffer> cache = training ? trainingConfigs : inferenceConfigs;
        DeviceBuffer b = cache.get(s.config);
        if (b == null) {
            int[] words = StepConfigWords.of(s.config, training);
            b = owner.allocateInts(words.length);
            owner.uploadInts(words, 0, b, 0, words.length);
            cache.put(s.config, b);
        }
        return b;
    }

    /**
     * Fails when the rows of the step {@code laterSteps} after the one {@code s} is placed at end past the kernels'
     * 32-bit indices (the kernels place every step's rows themselves, by StepArgs' rule).
     */
    private static void requireIndexable(StepArgs s, int laterSteps) {
        StepConfig c = s.config;
        long rows = (long) (laterSteps + 1) * s.batch;
        index(s.gxOffset() + rows * c.gateRows());
        index(s.hNextOffset() + rows * Math.max(c.stateSize(), c.hidden()));
        index(s.cNextOffset() + rows * c.hidden());
        index(s.reserveOffset() + rows * c.reserveWidth());
    }

    /**
     * The arguments every step kernel begins with: the configuration ({@link #config}, resolved before the kernel's
     * {@link #begin}: its first upload must not land inside a call being assembled), B, the step and the lengths. The
     * kernels place the step's rows by StepArgs' rule in 32-bit arithmetic, so the step's last rows must fit it.
     */
    private void stepHead(StepArgs s, DeviceBuffer config) {
        requireIndexable(s, 0);
        ints(config);
        arg(s.batch);
        arg(s.step());
        ints(s.lengths);
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
        DeviceBuffer config = config(s);
        begin("cell_forward");
        cellForwardArgs(s, config);
        launch((long) s.batch * s.config.hidden());
    }

    @Override
    public Optional<RecurrencePlan> plan(StepConfig config, int batch) {
        return stepForm == StepForm.UNFUSED ? Optional.empty() : Optional.of(stepPlan);
    }

    /** One forward step: {@code recurrent_forward} where it {@link #fuses}, else the GEMM and then the cell. */
    synchronized void recurrentStep(CellType cell, GemmArgs g, StepArgs s) {
        if (!fuses(g, s)) {
            gemm(g);
            cellForward(cell, s);
            return;
        }
        DeviceBuffer config = config(s);
        begin("recurrent_forward");
        buffer(g.b);
        cellForwardArgs(s, config);
        int units = (KernelSource.STEP_GROUP / KernelSource.STEP_LANES) / cell.gates();
        launchGroups((s.config.hidden() + units - 1) / units, KernelSource.STEP_GROUP);
    }

    /**
     * With {@link StepForm#PERSISTENT}, the layer direction's steps as {@code recurrent_sequence} launches where the
     * step is one {@code recurrent_forward} would run (no projection) and the device plans it (W_hh fits on chip).
     */
    synchronized boolean recurrentSequence(CellType cell, GemmArgs g, StepArgs s, int steps) {
        if (stepForm != StepForm.PERSISTENT || steps < 1 || !fuses(g, s) || s.config.projected()
                || s.step() != 0) {
            return false;
        }
        int H = s.config.hidden();
        SequencePlan plan = sequencePlan(cell.gates(), H, g.k);
        if (plan == null) {
            return false;
        }
        // The kernel places its steps' rows in 32-bit arithmetic: the last step's must fit as the first step's do.
        requireIndexable(s, steps - 1);
        if (barrierState == null) {
            barrierState = owner.allocateInts(2);
            owner.uploadInts(new int[2], 0, barrierState, 0, 2);
        }
        DeviceBuffer config = config(s);
        int perLaunch = plan.allStepsPerLaunch() ? steps : 1;
        for (int t0 = 0; t0 < steps; t0 += perLaunch) {
            begin("recurrent_sequence");
            arg(t0);
            arg(Math.min(steps, t0 + perLaunch));
            arg(plan.units());
            ints(barrierState);
            localFloats(plan.localFloats());
            buffer(g.b);
            ints(config);
            arg(s.batch);
            ints(s.lengths);
            forwardBuffers(s);
            launchSequence(plan);
            sequenceLaunches++;
        }
        return true;
    }

    /**
     * Whether {@code recurrent_forward} computes this step: the GEMM is the step's {@code gh = h_{t−1}·W_hhᵀ} (A the
     * step's h_{t−1} in rows of the state size, W_hh whole, plain, into gh's rows, nothing accumulated) for at most
     * {@link KernelSource#STEP_MAX_BATCH} rows, and the cell is not the original-form GRU (whose step has a second
     * GEMM between). Each item keeps one accumulator per row in registers and sums its rows serially, so the kernel
     * is for the few-row steps where the launch it saves is most of the cost; with more rows a tiled GEMM's reuse of
     * what it loads wins.
     */
    private boolean fuses(GemmArgs g, StepArgs s) {
        StepConfig c = s.config;
        int gateRows = c.gateRows();
        int k = c.stateSize();
        return stepForm != StepForm.UNFUSED && !c.originalGru() && s.batch >= 1
                && s.batch <= KernelSource.STEP_MAX_BATCH && g.m == s.batch && g.n == gateRows && g.k == k
                && g.transA == Transpose.NO && g.transB == Transpose.YES && g.alpha == 1f && g.beta == 0f
                && g.a == s.hPrev && g.aOffset == s.hPrevOffset() && g.lda == k && g.bOffset == 0 && g.ldb == k
                && g.c == s.gh && g.cOffset == 0 && g.ldc == gateRows;
    }

    /** cell_forward's arguments, which recurrent_forward's also end with. */
    private void cellForwardArgs(StepArgs s, DeviceBuffer config) {
        stepHead(s, config);
        forwardBuffers(s);
    }

    /** gx, gh, b_hh, peepholes, h_prev, h_next, the cell states and the reserve (stand-ins where absent). */
    private void forwardBuffers(StepArgs s) {
        buffer(s.gx);
        buffer(s.gh);
        buffer(s.bhh);
        buffer(s.peephole);
        buffer(s.hPrev);
        buffer(s.hNext);
        buffer(s.c);
        buffer(s.reserve);
    }

    @Override
    public synchronized void cellBackward(CellType cell, StepArgs s) {
        if (s.hNext != s.hPrev) {
            throw new IllegalArgumentException("backward reads h_t from the h states: hNext must be hPrev's buffer");
        }
        DeviceBuffer config = config(s);
        begin("cell_backward");
        stepHead(s, config);
        buffer(s.peephole);
        buffer(s.hPrev);
        buffer(s.c);
        buffer(s.reserve);
        buffer(s.dy);
        buffer(s.dh);
        buffer(s.dc);
        buffer(s.dhPrev);
        buffer(s.dGatesX);
        buffer(cell == CellType.GRU && !s.config.originalGru() ? s.dGatesH : null);
        launch((long) s.batch * s.config.hidden());
    }

    @Override
    public synchronized void gruResetForward(StepArgs s) {
        DeviceBuffer config = config(s);
        begin("gru_reset_forward");
        stepHead(s, config);
        buffer(s.gx);
        buffer(s.gh);
        buffer(s.bhh);
        buffer(s.hPrev);
        buffer(s.rhBuffer());
        buffer(s.reserve);
        launch((long) s.batch * s.config.hidden());
    }

    @Override
    public synchronized void gruResetBackward(StepArgs s) {
        DeviceBuffer config = config(s);
        begin("gru_reset_backward");
        stepHead(s, config);
        buffer(s.hPrev);
        buffer(s.drh);
        buffer(s.reserve);
        buffer(s.dhPrev);
        buffer(s.dGatesX);
        launch((long) s.batch * s.config.hidden());
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

    @Override
    public synchronized void copyRows(DeviceBuffer indices, int rows, int width, MatrixRef src, MatrixRef dst,
                                      boolean scatter) {
        begin("copy_rows");
        ints(indices);
        arg(rows);
        arg(width);
        buffer(src.buffer(), src.offset());
        arg(src.ld());
        buffer(dst.buffer(), dst.offset());
        arg(dst.ld());
        arg(scatter);
        launch((long) rows * width);
    }

    /** Releases the buffers these primitives made on their backend; a backend's primitives add their own. */
    @Override
    public synchronized void close() {
        if (barrierState != null) {
            barrierState.close();
            barrierState = null;
        }
        for (Map<StepConfig, DeviceBuffer> m : List.of(trainingConfigs, inferenceConfigs)) {
            m.values().forEach(DeviceBuffer::close);
            m.clear();
        }
        releaseStandIns();
    }
}
