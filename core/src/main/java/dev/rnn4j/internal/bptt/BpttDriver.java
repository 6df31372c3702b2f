package dev.rnn4j.internal.bptt;

import dev.rnn4j.Backend;
import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.ParameterKind;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.spi.GemmArgs;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.Primitives;
import dev.rnn4j.spi.RecurrencePlan;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.StepConfig;
import dev.rnn4j.spi.Transpose;

/**
 * The batched BPTT schedule (docs/architecture.md, "One forward pass" and "One backward pass"), written once and
 * composed from {@link Primitives} and the backend's {@link RecurrencePlan}:
 * <ol>
 *   <li>per layer and direction, one GEMM projects the inputs of all T·B rows: {@code Gx = X·W_ihᵀ + b_ih};</li>
 *   <li>per step, one GEMM {@code Gh = h_{t−1}·W_hhᵀ} and one fused cell step;</li>
 *   <li>backward-data runs the steps in reverse: one fused cell-backward step and one GEMM
 *       {@code dh_{t−1} += dGates_t·W_hh} per step, then {@code dX = dGates·W_ih} over all rows;</li>
 *   <li>backward-weights forms {@code dW_ih = dGatesᵀ·X}, {@code dW_hh = dGatesᵀ·H_prev} and the bias column
 *       sums once, over all rows, from the gate gradients backward-data kept.</li>
 * </ol>
 * The reverse direction runs the same loop over each sequence reversed within its own length: its projections
 * are permuted into processing order by {@link Primitives#copySteps}, and its outputs and gradients permuted back.
 * Rows past a sequence's length are masked inside the cell steps. Nothing in the per-step loops allocates.
 *
 * <p>What the cell variants change in the schedule lives in one section at the end of this class (set-up,
 * forward step, backward set-up, backward step, recurrent weight gradients); the passes above it are the same for
 * every cell.
 *
 * <p>The original-form GRU (ONNX's {@code linear_before_reset = 0}) needs r before its n column's GEMM, so its
 * steps split: forward, the r and z columns' GEMM, {@link Primitives#gruResetForward}, the n column's GEMM from
 * {@code r ⊙ h_prev}, then the cell step; backward, the cell step, {@code d(r ⊙ h) = dn·W_hn},
 * {@link Primitives#gruResetBackward}, then the r and z columns' GEMM into dh_prev. Its {@code dW_hn} is
 * {@code dnᵀ·(r ⊙ H_prev)}, from the reserve's fourth block.
 *
 * <p>The projected LSTM (PyTorch's {@code proj_size}) has h of P &lt; H features: its cell step writes
 * {@code m = o ⊙ tanh(c_t)}, one more GEMM per step makes {@code h_t = m·W_hrᵀ}, and
 * {@link Primitives#carryPastEnd} carries h past each sequence's end. Backward keeps every step's h gradient in one
 * buffer per layer and direction ({@code dHs}): it starts as dY (plus dHn on the last step), each step's recurrent
 * GEMM adds into the step before, and {@code dW_hr = dHsᵀ·M} at the end.
 *
 * <p>Inputs and outputs of a pass live in the {@link Workspace}: x, lengths, h0, c0 before forward; output, hN,
 * cN after it; dY, dHn, dCn before backward-data; dX[0] (layer 0's input gradient), dH0, dC0 after it.
 */
public final class BpttDriver {
    private final RnnSpec spec;
    private final Primitives ops;
    private final Backend backend;
    /** The variants that change the schedule (see the last section). */
    private final boolean projected;
    private final boolean originalGru;
    /** Per direction: what is fixed for its steps. */
    private final StepConfig[] configs = new StepConfig[2];
    /** The plan every backend has, for layers its own plan does not cover. */
    private final RecurrencePlan generic;

    /** Per direction: the step and recurrent-GEMM argument blocks of the running pass. */
    private final StepArgs[] steps = {new StepArgs(), new StepArgs()};
    private final GemmArgs[] recurrent = {new GemmArgs(), new GemmArgs()};
    /** The directions of the running layer that step (not run at once by the plan): their GEMMs and steps. */
    private final GemmArgs[] steppedRecurrent = new GemmArgs[2];
    private final StepArgs[] steppedSteps = new StepArgs[2];
    /** Original-form GRU, per direction: the n column's GEMM of a step, forward and backward. */
    private final GemmArgs[] candidate = {new GemmArgs(), new GemmArgs()};
    /** Projected LSTM, per direction: {@code h_t = m_t·W_hrᵀ} forward, {@code dm_t = dh_t·W_hr} backward. */
    private final GemmArgs[] projection = {new GemmArgs(), new GemmArgs()};

    /** Dropout between stacked layers in training (PyTorch's {@code dropout}), and the seed of the next pass. */
    private float dropout;
    private long dropoutSeed;

    /** A driver for one spec on one backend; it keeps argument blocks and is used by one thread at a time. */
    public BpttDriver(Backend backend, RnnSpec spec) {
        this.spec = spec;
        this.backend = backend;
        this.ops = backend.primitives();
        this.generic = RecurrencePlan.generic(ops);
        this.projected = spec.projectionSize() > 0;
        this.originalGru = spec.linearAfterReset();
        for (int dir = 0; dir < spec.directions(); dir++) {
            configs[dir] = StepConfig.of(spec, dir);
        }
    }

    /**
     * Runs every layer and direction forward over T steps and B sequences. The two directions of a bidirectional
     * layer advance step by step together, each step's GEMMs and cells given to the layer's {@link RecurrencePlan}
     * together, which may run them concurrently; a direction whose steps the plan runs all at once ({@link
     * RecurrencePlan#forwardSequence}) is done before the other steps.
     */
    public void forward(DeviceParameters w, Workspace ws, int steps, int batch) {
        int H = spec.hiddenSize();
        int S = spec.stateSize(); // h's features: P when projected, else H
        int GH = spec.gateRows();
        int D = spec.directions();
        int rows = steps * batch;
        for (int layer = 0; layer < spec.layers(); layer++) {
            DeviceBuffer in = layer == 0 ? ws.x : ws.layerOutput(layer - 1);
            int inWidth = spec.layerInputSize(layer);
            DeviceBuffer out = ws.layerOutput(layer);
            for (int dir = 0; dir < D; dir++) {
                int ld = layer * D + dir;
                int slot = ws.stateSlot(layer, dir);
                DeviceBuffer gx = ws.gx[dir];

                // Gx = X·W_ihᵀ + b_ih for all rows, time-ordered; the reverse direction then permutes it.
                DeviceBuffer inputProjection = dir == 0 ? gx : ws.timeOrdered;
                DeviceBuffer bih = w.buffer(ParameterKind.BIAS_IH, layer, dir);
                DeviceBuffer wih = w.buffer(ParameterKind.WEIGHT_IH, layer, dir);
                if (bih != null) {
                    ops.gemmPlusRow(Transpose.NO, Transpose.YES, rows, GH, inWidth, in, 0, inWidth, wih, 0, inWidth,
                            bih, 0, inputProjection, 0);
                } else {
                    ops.gemm(Transpose.NO, Transpose.YES, rows, GH, inWidth, 1f, in, 0, inWidth, wih, 0, inWidth,
                            0f, inputProjection, 0, GH);
                }
                if (dir == 1) {
                    ops.copySteps(ws.lengths, steps, batch, GH, new MatrixRef(ws.timeOrdered, 0, GH),
                            new MatrixRef(gx, 0, GH), true);
                }

                ops.copy(ws.h0, (long) ld * batch * S, ws.hs[slot], 0, (long) batch * S);
                if (ws.cs != null) {
                    ops.copy(ws.c0, (long) ld * batch * H, ws.cs[slot], 0, (long) batch * H);
                }
                setUpForward(stepArgs(ws, w, layer, dir, batch), ws, w, layer, dir, batch);
            }

            RecurrencePlan plan = plan(batch);
            int stepwise = runSequences(plan, steps, batch);
            for (int t = 0; t < steps && stepwise > 0; t++) {
                forwardStep(plan, ws, layer, t, batch, stepwise);
            }

            for (int dir = 0; dir < D; dir++) {
                int ld = layer * D + dir;
                int slot = ws.stateSlot(layer, dir);
                // Outputs in time order, zero past each length; final states from the last processed row.
                ops.copySteps(ws.lengths, steps, batch, S, new MatrixRef(ws.hs[slot], (long) batch * S, S),
                        new MatrixRef(out, (long) dir * S, spec.outputSize()), dir == 1);
                ops.copy(ws.hs[slot], (long) rows * S, ws.hN, (long) ld * batch * S, (long) batch * S);
                if (ws.cs != null) {
                    ops.copy(ws.cs[slot], (long) rows * H, ws.cN, (long) ld * batch * H, (long) batch * H);
                }
            }
            if (ws.training && dropout > 0 && layer < spec.layers() - 1) {
                // What the layer above sees; the final states stay undropped, as in PyTorch.
                long n = (long) rows * spec.outputSize();
                backend.trainingPrimitives().dropout(out, 0, out, 0, ws.dropoutMask(layer), 0, n, dropout,
                        dropoutSeed * 1_000_003L + layer);
            }
        }
    }

    /**
     * Runs the directions whose steps the plan runs at once (W_hh kept on chip); the others become the stepped ones.
     * Returns how many step.
     */
    private int runSequences(RecurrencePlan plan, int steps, int batch) {
        int stepwise = 0;
        for (int dir = 0; dir < spec.directions(); dir++) {
            positionStep(dir, 0, batch);
            if (projected || originalGru || !plan.forwardSequence(spec.cell(), recurrent[dir], steps(dir), steps)) {
                steppedRecurrent[stepwise] = recurrent[dir];
                steppedSteps[stepwise++] = steps(dir);
            }
        }
        return stepwise;
    }

    private StepArgs steps(int dir) {
        return steps[dir];
    }

    /**
     * Dropout with probability {@code p} on the outputs of every layer but the top, in training passes only (as
     * PyTorch's {@code nn.LSTM(dropout=p)}); the masks of the next training forward come from {@code seed}, and its
     * backward reuses them.
     */
    public void setDropout(float p, long seed) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
        }
        this.dropout = p;
        this.dropoutSeed = seed;
    }

    /** The backend's plan for this spec's layers at {@code batch} rows, or the generic one. */
    private RecurrencePlan plan(int batch) {
        return ops.plan(configs[0], batch).orElse(generic);
    }

    /**
     * Backward-data: from dY, dHn, dCn to layer 0's input gradient dX[0], and dH0, dC0; keeps the gate gradients.
     * As in forward, the two directions of a bidirectional layer step together.
     */
    public void backwardData(DeviceParameters w, Workspace ws, int steps, int batch) {
        requireTraining(ws);
        int H = spec.hiddenSize();
        int S = spec.stateSize();
        int GH = spec.gateRows();
        int D = spec.directions();
        int rows = steps * batch;
        DeviceBuffer upstream = ws.dY;
        for (int layer = spec.layers() - 1; layer >= 0; layer--) {
            int inWidth = spec.layerInputSize(layer);
            if (dropout > 0 && layer < spec.layers() - 1) {
                // The gradient of this layer's outputs passes the mask its dropout applied in forward.
                long n = (long) rows * spec.outputSize();
                backend.trainingPrimitives().multiply(upstream, 0, ws.dropoutMask(layer), 0, upstream, 0, n);
            }
            // Layer 0's input gradient must end in dX[0]; alternate so the layer above never writes what it reads.
            DeviceBuffer inputGradient = ws.dX[layer % 2];
            for (int dir = 0; dir < D; dir++) {
                int ld = layer * D + dir;
                if (ws.dC != null) {
                    ops.copy(ws.dCn, (long) ld * batch * H, ws.dC[dir], 0, (long) batch * H);
                }
                StepArgs s = stepArgs(ws, w, layer, dir, batch);
                s.dy = ws.dYSteps == null ? null : ws.dYSteps[dir];
                s.dc = ws.dC == null ? null : ws.dC[dir];
                s.dGatesX = ws.dGatesX[ld];
                s.dGatesH = ws.dGatesH[ld];
                setUpBackward(s, ws, w, layer, dir, batch, steps, upstream);
            }

            RecurrencePlan plan = plan(batch);
            int current = 0;
            for (int t = steps - 1; t >= 0; t--) {
                backwardStep(plan, ws, layer, t, batch, current);
                current = 1 - current;
            }

            for (int dir = 0; dir < D; dir++) {
                int ld = layer * D + dir;
                ops.copy(projected ? ws.dHs[ld] : ws.dH[dir][current], 0, ws.dH0, (long) ld * batch * S,
                        (long) batch * S);
                if (ws.dC != null) {
                    ops.copy(ws.dC[dir], 0, ws.dC0, (long) ld * batch * H, (long) batch * H);
                }
                ops.gemm(Transpose.NO, Transpose.NO, rows, inWidth, GH, 1f, timeOrderedGates(ws, ld, dir, steps, batch),
                        0, GH, w.buffer(ParameterKind.WEIGHT_IH, layer, dir), 0, inWidth,
                        dir == 0 ? 0f : 1f, inputGradient, 0, inWidth);
            }
            upstream = inputGradient;
        }
    }

    /**
     * Backward-weights: {@code dW_ih = dGatesᵀ·X}, {@code dW_hh = dGatesᵀ·H_prev}, bias column sums, into
     * {@code grads}; overwriting them, or adding to them when {@code accumulate}.
     */
    public void backwardWeights(Workspace ws, DeviceParameters grads, int steps, int batch, boolean accumulate) {
        requireTraining(ws);
        int H = spec.hiddenSize();
        int GH = spec.gateRows();
        int D = spec.directions();
        int rows = steps * batch;
        float beta = accumulate ? 1f : 0f;
        for (int layer = 0; layer < spec.layers(); layer++) {
            DeviceBuffer in = layer == 0 ? ws.x : ws.layerOutput(layer - 1);
            int inWidth = spec.layerInputSize(layer);
            for (int dir = 0; dir < D; dir++) {
                int ld = layer * D + dir;
                DeviceBuffer dGx = timeOrderedGates(ws, ld, dir, steps, batch);
                ops.gemm(Transpose.YES, Transpose.NO, GH, inWidth, rows, 1f, dGx, 0, GH, in, 0, inWidth,
                        beta, grads.buffer(ParameterKind.WEIGHT_IH, layer, dir), 0, inWidth);
                recurrentWeightGradients(ws, grads, layer, dir, batch, rows, beta);
                if (spec.bias()) {
                    DeviceBuffer dbih = grads.buffer(ParameterKind.BIAS_IH, layer, dir);
                    DeviceBuffer dbhh = grads.buffer(ParameterKind.BIAS_HH, layer, dir);
                    ops.columnSums(dGx, 0, rows, GH, beta, dbih, 0);
                    if (ws.dGatesH[ld] == ws.dGatesX[ld] && beta == 0) {
                        // Both biases enter every gate the same way (all cells but the GRU): one sum, copied,
                        // instead of a second pass over the T·B × G·H gate gradients.
                        ops.copy(dbih, 0, dbhh, 0, GH);
                    } else {
                        ops.columnSums(ws.dGatesH[ld], 0, rows, GH, beta, dbhh, 0);
                    }
                }
                if (spec.peepholes()) {
                    // dp_i = Σ d(i pre-activation)·c_{t−1}, dp_f likewise, dp_o = Σ d(o pre-activation)·c_t, over
                    // every step in processing order (padded steps have zero gate gradients).
                    DeviceBuffer cs = ws.cs[ws.stateSlot(layer, dir)];
                    DeviceBuffer dP = grads.buffer(ParameterKind.PEEPHOLE, layer, dir);
                    DeviceBuffer dG = ws.dGatesX[ld];
                    ops.columnSumsOfProducts(new MatrixRef(dG, 0, GH), new MatrixRef(cs, 0, H), rows, H, beta, dP, 0);
                    ops.columnSumsOfProducts(new MatrixRef(dG, H, GH), new MatrixRef(cs, 0, H), rows, H, beta, dP, H);
                    ops.columnSumsOfProducts(new MatrixRef(dG, 3L * H, GH), new MatrixRef(cs, (long) batch * H, H),
                            rows, H, beta, dP, 2L * H);
                }
            }
        }
    }

    /** The input-side gate gradients of one layer and direction in time order (permuted for the reverse direction). */
    private DeviceBuffer timeOrderedGates(Workspace ws, int ld, int dir, int steps, int batch) {
        if (dir == 0) {
            return ws.dGatesX[ld];
        }
        int GH = spec.gateRows();
        ops.copySteps(ws.lengths, steps, batch, GH, new MatrixRef(ws.dGatesX[ld], 0, GH),
                new MatrixRef(ws.timeOrdered, 0, GH), true);
        return ws.timeOrdered;
    }

    /** Fills the step-argument fields of a direction that stay fixed over one layer. */
    private StepArgs stepArgs(Workspace ws, DeviceParameters w, int layer, int dir, int batch) {
        int slot = ws.stateSlot(layer, dir);
        StepArgs s = steps[dir];
        s.config = configs[dir];
        s.batch = batch;
        s.lengths = ws.lengths;
        s.gx = ws.gx[dir];
        s.gh = ws.gh[dir];
        s.bhh = w.buffer(ParameterKind.BIAS_HH, layer, dir);
        s.peephole = w.buffer(ParameterKind.PEEPHOLE, layer, dir);
        s.rh = s.drh = null;
        s.hPrev = s.hNext = ws.hs[slot];
        s.c = ws.cs == null ? null : ws.cs[slot];
        s.reserve = ws.reserve == null ? null : ws.reserve[layer * spec.directions() + dir];
        s.dy = s.dh = s.dc = s.dhPrev = s.dGatesX = s.dGatesH = null;
        return s;
    }

    private static void requireTraining(Workspace ws) {
        if (!ws.training) {
            throw new IllegalStateException("backward needs a workspace planned for training");
        }
    }

    // ---- Where the variants differ: the projected LSTM and the original-form GRU change these steps only. ----

    /**
     * A direction's GEMMs for a forward layer: Gh = h_{t−1}·W_hhᵀ into its gh (only h_{t−1}'s offset moves); the
     * projected LSTM's h_t = m_t·W_hrᵀ (its cell writes m_t); the original GRU takes the r and z columns in Gh and the
     * n column from r ⊙ h_{t−1} once r is known.
     */
    private void setUpForward(StepArgs s, Workspace ws, DeviceParameters w, int layer, int dir, int batch) {
        int H = spec.hiddenSize();
        int S = spec.stateSize();
        int GH = spec.gateRows();
        int ld = layer * spec.directions() + dir;
        int slot = ws.stateSlot(layer, dir);
        if (projected) {
            s.hNext = ws.ms[ws.training ? ld : dir];
            projection[dir].set(Transpose.NO, Transpose.YES, batch, S, H, 1f, s.hNext, 0, H,
                    w.buffer(ParameterKind.PROJECTION, layer, dir), 0, H, 0f, ws.hs[slot], 0, S);
        }
        DeviceBuffer whh = w.buffer(ParameterKind.WEIGHT_HH, layer, dir);
        recurrent[dir].set(Transpose.NO, Transpose.YES, batch, originalGru ? 2 * H : GH, S, 1f, ws.hs[slot], 0, S,
                whh, 0, S, 0f, ws.gh[dir], 0, GH);
        if (originalGru) {
            s.rh = ws.rh == null ? null : ws.rh[dir];
            s.forwardStep(0);
            candidate[dir].set(Transpose.NO, Transpose.YES, batch, H, H, 1f, s.rhBuffer(), s.rhOffset(),
                    s.rhStride(), whh, 2L * H * H, H, 0f, ws.gh[dir], 2L * H, GH);
        }
    }

    /** Points direction {@code dir}'s step arguments, and the GEMMs that move with them, at forward step {@code t}. */
    private void positionStep(int dir, int t, int batch) {
        StepArgs s = steps(dir);
        s.forwardStep(t);
        recurrent[dir].aOffset = s.hPrevOffset();
        if (projected) {
            // m_t (all steps kept in training, for dW_hr; one step's worth in inference) becomes h_t.
            projection[dir].aOffset = s.hNextOffset();
            projection[dir].cOffset = s.hPrevOffset() + (long) batch * spec.stateSize();
        }
        if (originalGru) {
            candidate[dir].aOffset = s.rhOffset();
        }
    }

    /** Forward step t of the running layer, for its {@code stepwise} stepped directions. */
    private void forwardStep(RecurrencePlan plan, Workspace ws, int layer, int t, int batch, int stepwise) {
        int D = spec.directions();
        int S = spec.stateSize();
        CellType cell = spec.cell();
        for (int dir = 0; dir < D; dir++) {
            positionStep(dir, t, batch);
        }
        if (originalGru) {
            plan.gemms(recurrent, D);
            for (int dir = 0; dir < D; dir++) {
                ops.gruResetForward(steps(dir));
            }
            plan.gemms(candidate, D);
            plan.cellForwards(cell, steps, D);
        } else {
            plan.forwardSteps(cell, steppedRecurrent, steppedSteps, stepwise);
        }
        if (projected) {
            plan.gemms(projection, D);
            for (int dir = 0; dir < D; dir++) {
                DeviceBuffer hs = ws.hs[ws.stateSlot(layer, dir)];
                long hPrev = (long) t * batch * S;
                ops.carryPastEnd(ws.lengths, t, batch, S, new MatrixRef(hs, hPrev, S),
                        new MatrixRef(hs, hPrev + (long) batch * S, S), 0f);
            }
        }
    }

    /**
     * A direction's gradients and GEMMs for a backward layer. The arriving h gradients go to the steps in processing
     * order; dh_{t−1} += dGates_t·W_hh goes into the buffer the cell step writes as dhPrev (A's offset and C are set
     * per step). The projected LSTM keeps every step's h gradient in dHs (slot t+1 holds step t's: dY now, dHn added
     * on the last slot and carried back past each sequence's end, the recurrent GEMMs adding into it as the steps go;
     * slot 0 ends as dh0), and its cell's dh is dm_t = dh_t·W_hr. The original GRU's n column reaches h_{t−1} through
     * r ⊙ h_{t−1}: its d(r ⊙ h) = dn·W_hn comes first, for gruResetBackward.
     */
    private void setUpBackward(StepArgs s, Workspace ws, DeviceParameters w, int layer, int dir, int batch,
                               int steps, DeviceBuffer upstream) {
        int H = spec.hiddenSize();
        int S = spec.stateSize();
        int GH = spec.gateRows();
        int ld = layer * spec.directions() + dir;
        int rows = steps * batch;
        DeviceBuffer[] dH = ws.dH[dir];
        if (projected) {
            DeviceBuffer dHs = ws.dHs[ld];
            ops.copySteps(ws.lengths, steps, batch, S, new MatrixRef(upstream, (long) dir * S, spec.outputSize()),
                    new MatrixRef(dHs, (long) batch * S, S), dir == 1);
            ops.fill(dHs, 0, (long) batch * S, 0f);
            ops.carryPastEnd(ws.lengths, steps, batch, S, new MatrixRef(ws.dHn, (long) ld * batch * S, S),
                    new MatrixRef(dHs, (long) rows * S, S), 1f);
        } else {
            ops.copySteps(ws.lengths, steps, batch, H, new MatrixRef(upstream, (long) dir * H, spec.outputSize()),
                    new MatrixRef(ws.dYSteps[dir], 0, H), dir == 1);
            ops.copy(ws.dHn, (long) ld * batch * H, dH[0], 0, (long) batch * H);
        }
        DeviceBuffer whh = w.buffer(ParameterKind.WEIGHT_HH, layer, dir);
        recurrent[dir].set(Transpose.NO, Transpose.NO, batch, S, originalGru ? 2 * H : GH, 1f, ws.dGatesH[ld], 0, GH,
                whh, 0, S, 1f, null, 0, S);
        if (projected) {
            s.dy = null;
            s.dh = ws.dm[dir];
            s.dhPrev = dH[0]; // a scratch: h's gradient lives in dHs
            projection[dir].set(Transpose.NO, Transpose.NO, batch, H, S, 1f, ws.dHs[ld], 0, S,
                    w.buffer(ParameterKind.PROJECTION, layer, dir), 0, H, 0f, ws.dm[dir], 0, H);
            recurrent[dir].c = ws.dHs[ld];
        }
        if (originalGru) {
            s.drh = ws.drh[dir];
            candidate[dir].set(Transpose.NO, Transpose.NO, batch, H, H, 1f, ws.dGatesH[ld], 2L * H, GH, whh,
                    2L * H * H, H, 0f, ws.drh[dir], 0, H);
        }
    }

    /** Backward step t of the running layer; {@code current} picks which of the two dh buffers holds dh_t. */
    private void backwardStep(RecurrencePlan plan, Workspace ws, int layer, int t, int batch, int current) {
        int D = spec.directions();
        int H = spec.hiddenSize();
        int S = spec.stateSize();
        for (int dir = 0; dir < D; dir++) {
            StepArgs s = steps(dir);
            s.backwardStep(t);
            long hPrev = s.hPrevOffset();
            recurrent[dir].aOffset = s.gxOffset();
            candidate[dir].aOffset = s.gxOffset() + 2L * H;
            if (projected) {
                projection[dir].aOffset = hPrev + (long) batch * S;
                recurrent[dir].cOffset = hPrev;
            } else {
                s.dh = ws.dH[dir][current];
                s.dhPrev = ws.dH[dir][1 - current];
                recurrent[dir].c = s.dhPrev;
            }
        }
        if (projected) {
            plan.gemms(projection, D);
        }
        plan.cellBackwards(spec.cell(), steps, D);
        if (originalGru) {
            plan.gemms(candidate, D);
            for (int dir = 0; dir < D; dir++) {
                ops.gruResetBackward(steps(dir));
            }
        }
        plan.gemms(recurrent, D);
        if (projected) {
            for (int dir = 0; dir < D; dir++) {
                DeviceBuffer dHs = ws.dHs[layer * D + dir];
                long hPrev = (long) t * batch * S;
                ops.carryPastEnd(ws.lengths, t, batch, S, new MatrixRef(dHs, hPrev + (long) batch * S, S),
                        new MatrixRef(dHs, hPrev, S), 1f);
            }
        }
    }

    /**
     * {@code dW_hh = dGatesᵀ·H_prev}, and the variants' own: the projected LSTM's {@code dW_hr = Σ_t dh_tᵀ·m_t} (dHs
     * slots 1..T against the kept m_t, zero past each length); the original GRU's {@code dW_hn} from the r ⊙ H_prev
     * the reserve kept (its fourth block).
     */
    private void recurrentWeightGradients(Workspace ws, DeviceParameters grads, int layer, int dir, int batch,
                                          int rows, float beta) {
        int H = spec.hiddenSize();
        int S = spec.stateSize();
        int GH = spec.gateRows();
        int ld = layer * spec.directions() + dir;
        DeviceBuffer hs = ws.hs[ws.stateSlot(layer, dir)];
        DeviceBuffer dWhh = grads.buffer(ParameterKind.WEIGHT_HH, layer, dir);
        if (originalGru) {
            ops.gemm(Transpose.YES, Transpose.NO, 2 * H, H, rows, 1f, ws.dGatesH[ld], 0, GH, hs, 0, H, beta, dWhh, 0,
                    H);
            ops.gemm(Transpose.YES, Transpose.NO, H, H, rows, 1f, ws.dGatesH[ld], 2L * H, GH, ws.reserve[ld], 3L * H,
                    StepConfig.reserveWidth(spec), beta, dWhh, 2L * H * H, H);
            return;
        }
        ops.gemm(Transpose.YES, Transpose.NO, GH, S, rows, 1f, ws.dGatesH[ld], 0, GH, hs, 0, S, beta, dWhh, 0, S);
        if (projected) {
            ops.gemm(Transpose.YES, Transpose.NO, S, H, rows, 1f, ws.dHs[ld], (long) batch * S, S, ws.ms[ld], 0, H,
                    beta, grads.buffer(ParameterKind.PROJECTION, layer, dir), 0, H);
        }
    }
}
