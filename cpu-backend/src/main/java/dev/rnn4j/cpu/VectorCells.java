package dev.rnn4j.cpu;

import static dev.rnn4j.cpu.MultiplyAdd.madd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused cell steps with the Vector API: one pass over a row's gate pre-activations, adding the input projection,
 * the recurrent projection and the recurrent bias, applying the nonlinearities and writing state, outputs and the
 * reserve. The last {@code H mod VL} hidden units and rows past their sequence's end go to {@link ScalarCells}.
 * sigmoid is {@code 1 / (1 + exp(−x))} and tanh is {@link VectorOperators#TANH}, both intrinsified on x86 (the
 * measurement against a rational approximation is in the package notes), or with {@code -Drnn4j.cpu.activations=exact}
 * {@link VectorMath}'s, whose bits do not depend on whether the JIT has compiled them.
 */
final class VectorCells implements CellKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    /** Stand-ins when a variant is absent: peepholes of zero, clip flags of one (read at offset 0 by every lane). */
    private static final float[] ZERO_LANES = new float[VL];
    private static final float[] ONE_LANES = filled(VL, 1f);

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static FloatVector load(float[] a, int at) {
        return FloatVector.fromArray(S, a, at);
    }

    /**
     * {@code -Drnn4j.cpu.activations=exact}: {@link VectorMath}'s functions, fixed to the bit but slower (the cell
     * kernels grow past C2's inlining limits: 12-35% on whole LSTM layers, measured) instead of the SVML intrinsics.
     * A constant, so C2 compiles only the path taken.
     */
    static final boolean EXACT = exactOrDefault();

    private static boolean exactOrDefault() {
        try {
            return CpuBackendProvider.exactActivations();
        } catch (IllegalArgumentException e) {
            return false; // the provider's probe reports it and refuses to open
        }
    }

    static FloatVector sigmoid(FloatVector v) {
        return EXACT ? VectorMath.sigmoid(v) : ONE.div(v.neg().lanewise(VectorOperators.EXP).add(ONE));
    }

    static FloatVector tanh(FloatVector v) {
        return EXACT ? VectorMath.tanh(v) : v.lanewise(VectorOperators.TANH);
    }

    /** Gate pre-activation of one gate block: gx + gh (+ b_hh). */
    private static FloatVector pre(CellArrays x, int gxAt, int ghAt, int col) {
        FloatVector v = load(x.gx, gxAt).add(load(x.gh, ghAt));
        return x.bhh == null ? v : v.add(load(x.bhh, x.bhhOff + col));
    }

    @Override
    public void forward(CellArrays x, int b0, int b1, int j0, int j1) {
        int vecEnd = j0 + (j1 - j0) / VL * VL;
        for (int b = b0; b < b1; b++) {
            if (x.step >= x.lengths[b]) {
                ScalarCells.carryState(x, b, j0, j1);
                continue;
            }
            if (x.variant && x.cell == dev.rnn4j.CellType.LSTM && x.activations == null) {
                lstmVariantForward(x, b, j0, vecEnd);
                if (vecEnd < j1) {
                    ScalarCells.forwardRow(x, b, vecEnd, j1);
                }
                continue;
            }
            if (x.variant && !originalGruUnclipped(x)) {
                // Clipped RNN and GRU cells and ONNX activation lists take the scalar twin: correct, not vectorised.
                ScalarCells.forwardRow(x, b, j0, j1);
                continue;
            }
            if (x.variant) {
                gruOriginalForward(x, b, j0, vecEnd);
                if (vecEnd < j1) {
                    ScalarCells.forwardRow(x, b, vecEnd, j1);
                }
                continue;
            }
            switch (x.cell) {
                case RNN_TANH, RNN_RELU -> rnnForward(x, b, j0, vecEnd);
                case LSTM -> lstmForward(x, b, j0, vecEnd);
                case GRU -> gruForward(x, b, j0, vecEnd);
            }
            if (vecEnd < j1) {
                ScalarCells.forwardRow(x, b, vecEnd, j1);
            }
        }
    }

    @Override
    public void backward(CellArrays x, int b0, int b1, int j0, int j1) {
        int vecEnd = j0 + (j1 - j0) / VL * VL;
        for (int b = b0; b < b1; b++) {
            if (x.step >= x.lengths[b]) {
                ScalarCells.passThrough(x, b, j0, j1);
                continue;
            }
            if (x.variant && x.cell == dev.rnn4j.CellType.LSTM && x.activations == null) {
                lstmVariantBackward(x, b, j0, vecEnd);
                if (vecEnd < j1) {
                    ScalarCells.backwardRow(x, b, vecEnd, j1);
                }
                continue;
            }
            if (x.variant && !originalGruUnclipped(x)) {
                ScalarCells.backwardRow(x, b, j0, j1);
                continue;
            }
            if (x.variant) {
                gruOriginalBackward(x, b, j0, vecEnd);
                if (vecEnd < j1) {
                    ScalarCells.backwardRow(x, b, vecEnd, j1);
                }
                continue;
            }
            switch (x.cell) {
                case RNN_TANH, RNN_RELU -> rnnBackward(x, b, j0, vecEnd);
                case LSTM -> lstmBackward(x, b, j0, vecEnd);
                case GRU -> gruBackward(x, b, j0, vecEnd);
            }
            if (vecEnd < j1) {
                ScalarCells.backwardRow(x, b, vecEnd, j1);
            }
        }
    }

    /** The original-form GRU without clipping: the one GRU variant with vector kernels. */
    private static boolean originalGruUnclipped(CellArrays x) {
        return x.linearAfterReset && x.clip <= 0 && x.activations == null;
    }

    @Override
    public void gruResetForward(CellArrays x, int b0, int b1, int j0, int j1) {
        if (x.clip > 0 || x.activations != null) {
            SCALAR.gruResetForward(x, b0, b1, j0, j1);
            return;
        }
        int H = x.hidden;
        int vecEnd = j0 + (j1 - j0) / VL * VL;
        for (int b = b0; b < b1; b++) {
            if (x.step >= x.lengths[b]) {
                SCALAR.gruResetForward(x, b, b + 1, j0, j1);
                continue;
            }
            int gxRow = x.gxOff + b * 3 * H;
            int ghRow = x.ghOff + b * 3 * H;
            int rhRow = x.rhOff + b * x.rhStride;
            for (int j = j0; j < vecEnd; j += VL) {
                FloatVector rr = sigmoid(pre(x, gxRow + j, ghRow + j, j));
                FloatVector z = sigmoid(pre(x, gxRow + H + j, ghRow + H + j, H + j));
                rr.intoArray(x.gh, ghRow + j);
                z.intoArray(x.gh, ghRow + H + j);
                rr.mul(load(x.hPrev, x.hPrevOff + b * H + j)).intoArray(x.rh, rhRow + j);
            }
            if (vecEnd < j1) {
                SCALAR.gruResetForward(x, b, b + 1, vecEnd, j1);
            }
        }
    }

    @Override
    public void gruResetBackward(CellArrays x, int b0, int b1, int j0, int j1) {
        if (x.clip > 0 || x.activations != null) {
            SCALAR.gruResetBackward(x, b0, b1, j0, j1);
            return;
        }
        int H = x.hidden;
        int vecEnd = j0 + (j1 - j0) / VL * VL;
        for (int b = b0; b < b1; b++) {
            if (x.step >= x.lengths[b]) {
                continue;
            }
            int r = x.reserveOff + b * x.reserveWidth;
            for (int j = j0; j < vecEnd; j += VL) {
                int hi = b * H + j;
                FloatVector rr = load(x.reserve, r + j);
                FloatVector d = load(x.drh, x.drhOff + hi);
                d.mul(load(x.hPrev, x.hPrevOff + hi)).mul(madd(rr.neg(), rr, rr))
                        .intoArray(x.dGx, x.dGxOff + b * 3 * H + j);
                madd(d, rr, load(x.dhPrev, x.dhPrevOff + hi)).intoArray(x.dhPrev, x.dhPrevOff + hi);
            }
            if (vecEnd < j1) {
                SCALAR.gruResetBackward(x, b, b + 1, vecEnd, j1);
            }
        }
    }

    private static final ScalarCells SCALAR = new ScalarCells();

    /** The original-form GRU's cell step: r, z are activations in gh already, gh's n column is (r ⊙ h)·W_hnᵀ. */
    private static void gruOriginalForward(CellArrays x, int b, int j0, int vecEnd) {
        int H = x.hidden;
        int gxRow = x.gxOff + b * 3 * H;
        int ghRow = x.ghOff + b * 3 * H;
        int r = x.reserveOff + b * x.reserveWidth;
        for (int j = j0; j < vecEnd; j += VL) {
            int hi = b * H + j;
            FloatVector rr = load(x.gh, ghRow + j);
            FloatVector z = load(x.gh, ghRow + H + j);
            FloatVector n = tanh(pre(x, gxRow + 2 * H + j, ghRow + 2 * H + j, 2 * H + j));
            madd(z, load(x.hPrev, x.hPrevOff + hi).sub(n), n).intoArray(x.hNext, x.hNextOff + hi);
            if (x.reserve != null) {
                rr.intoArray(x.reserve, r + j);
                z.intoArray(x.reserve, r + H + j);
                n.intoArray(x.reserve, r + 2 * H + j);
            }
        }
    }

    /** The original-form GRU's cell backward: z and n gate gradients, dh_prev's direct share; r comes later. */
    private static void gruOriginalBackward(CellArrays x, int b, int j0, int vecEnd) {
        int H = x.hidden;
        int gRow = x.dGxOff + b * 3 * H;
        int r = x.reserveOff + b * x.reserveWidth;
        FloatVector zero = FloatVector.zero(S);
        for (int j = j0; j < vecEnd; j += VL) {
            int hi = b * H + j;
            FloatVector dh = load(x.dh, x.dhOff + hi);
            if (x.dy != null) {
                dh = dh.add(load(x.dy, x.dyOff + hi));
            }
            FloatVector z = load(x.reserve, r + H + j);
            FloatVector n = load(x.reserve, r + 2 * H + j);
            zero.intoArray(x.dGx, gRow + j);
            dh.mul(load(x.hPrev, x.hPrevOff + hi).sub(n)).mul(madd(z.neg(), z, z)).intoArray(x.dGx, gRow + H + j);
            dh.mul(z.neg().add(1f)).mul(madd(n.neg(), n, ONE)).intoArray(x.dGx, gRow + 2 * H + j);
            dh.mul(z).intoArray(x.dhPrev, x.dhPrevOff + hi);
        }
    }

    // One method per cell and direction keeps each small enough for C2 to inline every vector operation; a method
    // that outgrows the inlining budget leaves calls that box their vector arguments.

    private static void rnnForward(CellArrays x, int b, int j0, int vecEnd) {
        int H = x.hidden;
        int gxRow = x.gxOff + b * H;
        int ghRow = x.ghOff + b * H;
        boolean tanh = x.cell == dev.rnn4j.CellType.RNN_TANH;
        for (int j = j0; j < vecEnd; j += VL) {
            FloatVector a = pre(x, gxRow + j, ghRow + j, j);
            (tanh ? tanh(a) : a.max(0f)).intoArray(x.hNext, x.hNextOff + b * H + j);
        }
    }

    private static void lstmForward(CellArrays x, int b, int j0, int vecEnd) {
        int H = x.hidden;
        int G = x.cell.gates();
        int gxRow = x.gxOff + b * G * H;
        int ghRow = x.ghOff + b * G * H;
        int r = x.reserveOff + b * x.reserveWidth;
        for (int j = j0; j < vecEnd; j += VL) {
            int hi = b * H + j;
            FloatVector i = sigmoid(pre(x, gxRow + j, ghRow + j, j));
            FloatVector f = sigmoid(pre(x, gxRow + H + j, ghRow + H + j, H + j));
            FloatVector g = tanh(pre(x, gxRow + 2 * H + j, ghRow + 2 * H + j, 2 * H + j));
            FloatVector o = sigmoid(pre(x, gxRow + 3 * H + j, ghRow + 3 * H + j, 3 * H + j));
            FloatVector c = madd(f, load(x.cPrev, x.cPrevOff + hi), i.mul(g));
            c.intoArray(x.cNext, x.cNextOff + hi);
            o.mul(tanh(c)).intoArray(x.hNext, x.hNextOff + hi);
            if (x.reserve != null) {
                i.intoArray(x.reserve, r + j);
                f.intoArray(x.reserve, r + H + j);
                g.intoArray(x.reserve, r + 2 * H + j);
                o.intoArray(x.reserve, r + 3 * H + j);
            }
        }
    }

    /**
     * The LSTM with its variants (peepholes, input_forget, gate clipping, cell clipping), as ScalarCells has it. Each
     * variant enters as data, not as a branch around vector code: absent peepholes are a zero vector, absent
     * clipping a bound of +∞, input_forget a lane mask, so no vector value flows through a merge. Even so C2 does not
     * always compile it well: see the package notes for the measured spread.
     */
    private static void lstmVariantForward(CellArrays x, int b, int j0, int vecEnd) {
        int H = x.hidden;
        int G = x.cell.gates();
        int gxRow = x.gxOff + b * G * H;
        int ghRow = x.ghOff + b * G * H;
        int r = x.reserveOff + b * x.reserveWidth;
        int fl = r + x.flagsAt;
        float clip = x.clip > 0 ? x.clip : Float.POSITIVE_INFINITY;
        float cellClip = x.cellClip > 0 ? x.cellClip : Float.POSITIVE_INFINITY;
        VectorMask<Float> coupled = S.maskAll(x.inputForget);
        float[] peep = x.peep == null ? ZERO_LANES : x.peep;
        int peepOff = x.peep == null ? 0 : x.peepOff;
        int peepStride = x.peep == null ? 0 : 1; // zeros: every lane reads the same zero block
        // Clip flags (1 went through, 0 clamped) when training with clipping; written inline: a helper taking
        // vectors that C2 does not inline boxes them.
        boolean flagged = x.clip > 0 && x.reserve != null;
        for (int j = j0; j < vecEnd; j += VL) {
            int hi = b * H + j;
            int pj = peepOff + peepStride * j;
            FloatVector cPrev = load(x.cPrev, x.cPrevOff + hi);
            FloatVector ai = madd(load(peep, pj), cPrev, pre(x, gxRow + j, ghRow + j, j));
            FloatVector af = madd(load(peep, pj + peepStride * H), cPrev, pre(x, gxRow + H + j, ghRow + H + j, H + j));
            FloatVector ag = pre(x, gxRow + 2 * H + j, ghRow + 2 * H + j, 2 * H + j);
            if (flagged) {
                ONE.blend(0f, ai.abs().compare(VectorOperators.GT, clip)).intoArray(x.reserve, fl + j);
                ONE.blend(0f, af.abs().compare(VectorOperators.GT, clip)).intoArray(x.reserve, fl + H + j);
                ONE.blend(0f, ag.abs().compare(VectorOperators.GT, clip)).intoArray(x.reserve, fl + 2 * H + j);
            }
            FloatVector i = sigmoid(ai.max(-clip).min(clip));
            FloatVector f = sigmoid(af.max(-clip).min(clip)).blend(ONE.sub(i), coupled);
            FloatVector g = tanh(ag.max(-clip).min(clip));
            FloatVector c = madd(f, cPrev, i.mul(g)).max(-cellClip).min(cellClip);
            FloatVector ao = madd(load(peep, pj + 2 * peepStride * H), c, pre(x, gxRow + 3 * H + j, ghRow + 3 * H + j,
                    3 * H + j));
            if (flagged) {
                ONE.blend(0f, ao.abs().compare(VectorOperators.GT, clip)).intoArray(x.reserve, fl + 3 * H + j);
            }
            FloatVector o = sigmoid(ao.max(-clip).min(clip));
            c.intoArray(x.cNext, x.cNextOff + hi);
            o.mul(tanh(c)).intoArray(x.hNext, x.hNextOff + hi);
            if (x.reserve != null) {
                i.intoArray(x.reserve, r + j);
                f.intoArray(x.reserve, r + H + j);
                g.intoArray(x.reserve, r + 2 * H + j);
                o.intoArray(x.reserve, r + 3 * H + j);
            }
        }
    }

    private static void lstmVariantBackward(CellArrays x, int b, int j0, int vecEnd) {
        int H = x.hidden;
        int G = x.cell.gates();
        int gRow = x.dGxOff + b * G * H;
        int r = x.reserveOff + b * x.reserveWidth;
        // Without clipping the flags are read from a block of ones, at the same place for every lane.
        float[] flags = x.clip > 0 ? x.reserve : ONE_LANES;
        int fl = x.clip > 0 ? r + x.flagsAt : 0;
        int flagStride = x.clip > 0 ? 1 : 0;
        float cellClip = x.cellClip > 0 ? x.cellClip : Float.POSITIVE_INFINITY;
        VectorMask<Float> coupled = S.maskAll(x.inputForget);
        float[] peep = x.peep == null ? ZERO_LANES : x.peep;
        int peepOff = x.peep == null ? 0 : x.peepOff;
        int peepStride = x.peep == null ? 0 : 1;
        FloatVector zero = FloatVector.zero(S);
        for (int j = j0; j < vecEnd; j += VL) {
            int hi = b * H + j;
            int pj = peepOff + peepStride * j;
            int fj = fl + flagStride * j;
            FloatVector dh = load(x.dh, x.dhOff + hi);
            if (x.dy != null) {
                dh = dh.add(load(x.dy, x.dyOff + hi));
            }
            FloatVector i = load(x.reserve, r + j);
            FloatVector f = load(x.reserve, r + H + j);
            FloatVector g = load(x.reserve, r + 2 * H + j);
            FloatVector o = load(x.reserve, r + 3 * H + j);
            FloatVector c = load(x.cNext, x.cNextOff + hi);
            FloatVector cPrev = load(x.cPrev, x.cPrevOff + hi);
            FloatVector tc = tanh(c);
            FloatVector ao = dh.mul(tc).mul(madd(o.neg(), o, o)).mul(load(flags, fj + 3 * flagStride * H));
            // c_t reaches the loss through h, the next step, and o's peephole; nothing where it was clamped.
            FloatVector dc = madd(ao, load(peep, pj + 2 * peepStride * H),
                    dh.mul(o).mul(madd(tc.neg(), tc, ONE)).add(load(x.dc, x.dcOff + hi)))
                    .blend(0f, c.abs().compare(VectorOperators.GE, cellClip));
            // With input_forget, c_t = (1 − i)·c_{t−1} + i·g: i also acts through f, and f has no weights of its own.
            FloatVector ai = dc.mul(g.blend(g.sub(cPrev), coupled)).mul(madd(i.neg(), i, i)).mul(load(flags, fj));
            FloatVector af = dc.mul(cPrev).mul(madd(f.neg(), f, f)).mul(load(flags, fj + flagStride * H))
                    .blend(zero, coupled);
            ai.intoArray(x.dGx, gRow + j);
            af.intoArray(x.dGx, gRow + H + j);
            dc.mul(i).mul(madd(g.neg(), g, ONE)).mul(load(flags, fj + 2 * flagStride * H))
                    .intoArray(x.dGx, gRow + 2 * H + j);
            ao.intoArray(x.dGx, gRow + 3 * H + j);
            madd(ai, load(peep, pj), madd(af, load(peep, pj + peepStride * H), dc.mul(f)))
                    .intoArray(x.dc, x.dcOff + hi);
            zero.intoArray(x.dhPrev, x.dhPrevOff + hi);
        }
    }

    private static void gruForward(CellArrays x, int b, int j0, int vecEnd) {
        int H = x.hidden;
        int G = x.cell.gates();
        int gxRow = x.gxOff + b * G * H;
        int ghRow = x.ghOff + b * G * H;
        int r = x.reserveOff + b * x.reserveWidth;
        for (int j = j0; j < vecEnd; j += VL) {
            int hi = b * H + j;
            FloatVector rr = sigmoid(pre(x, gxRow + j, ghRow + j, j));
            FloatVector z = sigmoid(pre(x, gxRow + H + j, ghRow + H + j, H + j));
            FloatVector hn = load(x.gh, ghRow + 2 * H + j);
            if (x.bhh != null) {
                hn = hn.add(load(x.bhh, x.bhhOff + 2 * H + j));
            }
            FloatVector n = tanh(madd(rr, hn, load(x.gx, gxRow + 2 * H + j)));
            // (1 − z)·n + z·h = n + z·(h − n)
            madd(z, load(x.hPrev, x.hPrevOff + hi).sub(n), n).intoArray(x.hNext, x.hNextOff + hi);
            if (x.reserve != null) {
                rr.intoArray(x.reserve, r + j);
                z.intoArray(x.reserve, r + H + j);
                n.intoArray(x.reserve, r + 2 * H + j);
                hn.intoArray(x.reserve, r + 3 * H + j);
            }
        }
    }

    private static void rnnBackward(CellArrays x, int b, int j0, int vecEnd) {
        int H = x.hidden;
        int gRow = x.dGxOff + b * H;
        FloatVector zero = FloatVector.zero(S);
        boolean tanh = x.cell == dev.rnn4j.CellType.RNN_TANH;
        for (int j = j0; j < vecEnd; j += VL) {
            int hi = b * H + j;
            FloatVector dh = load(x.dh, x.dhOff + hi);
            if (x.dy != null) {
                dh = dh.add(load(x.dy, x.dyOff + hi));
            }
            FloatVector h = load(x.hNext, x.hNextOff + hi);
            FloatVector da = tanh ? dh.mul(madd(h.neg(), h, ONE)) : zero.blend(dh, h.compare(VectorOperators.GT, 0f));
            da.intoArray(x.dGx, gRow + j);
            zero.intoArray(x.dhPrev, x.dhPrevOff + hi);
        }
    }

    private static void lstmBackward(CellArrays x, int b, int j0, int vecEnd) {
        int H = x.hidden;
        int G = x.cell.gates();
        int gRow = x.dGxOff + b * G * H;
        int r = x.reserveOff + b * x.reserveWidth;
        FloatVector zero = FloatVector.zero(S);
        for (int j = j0; j < vecEnd; j += VL) {
            int hi = b * H + j;
            FloatVector dh = load(x.dh, x.dhOff + hi);
            if (x.dy != null) {
                dh = dh.add(load(x.dy, x.dyOff + hi));
            }
            FloatVector i = load(x.reserve, r + j);
            FloatVector f = load(x.reserve, r + H + j);
            FloatVector g = load(x.reserve, r + 2 * H + j);
            FloatVector o = load(x.reserve, r + 3 * H + j);
            FloatVector tc = tanh(load(x.cNext, x.cNextOff + hi));
            FloatVector dc = dh.mul(o).mul(madd(tc.neg(), tc, ONE)).add(load(x.dc, x.dcOff + hi));
            dc.mul(g).mul(madd(i.neg(), i, i)).intoArray(x.dGx, gRow + j);
            dc.mul(load(x.cPrev, x.cPrevOff + hi)).mul(madd(f.neg(), f, f)).intoArray(x.dGx, gRow + H + j);
            dc.mul(i).mul(madd(g.neg(), g, ONE)).intoArray(x.dGx, gRow + 2 * H + j);
            dh.mul(tc).mul(madd(o.neg(), o, o)).intoArray(x.dGx, gRow + 3 * H + j);
            dc.mul(f).intoArray(x.dc, x.dcOff + hi);
            zero.intoArray(x.dhPrev, x.dhPrevOff + hi);
        }
    }

    private static void gruBackward(CellArrays x, int b, int j0, int vecEnd) {
        int H = x.hidden;
        int G = x.cell.gates();
        int gRow = x.dGxOff + b * G * H;
        int r = x.reserveOff + b * x.reserveWidth;
        FloatVector zero = FloatVector.zero(S);
        for (int j = j0; j < vecEnd; j += VL) {
            int hi = b * H + j;
            FloatVector dh = load(x.dh, x.dhOff + hi);
            if (x.dy != null) {
                dh = dh.add(load(x.dy, x.dyOff + hi));
            }
            FloatVector rr = load(x.reserve, r + j);
            FloatVector z = load(x.reserve, r + H + j);
            FloatVector n = load(x.reserve, r + 2 * H + j);
            FloatVector hn = load(x.reserve, r + 3 * H + j);
            FloatVector dn = dh.mul(z.neg().add(1f)).mul(madd(n.neg(), n, ONE));
            FloatVector dr = dn.mul(hn).mul(madd(rr.neg(), rr, rr));
            FloatVector dz = dh.mul(load(x.hPrev, x.hPrevOff + hi).sub(n)).mul(madd(z.neg(), z, z));
            int hRow = x.dGhOff + b * G * H;
            dr.intoArray(x.dGx, gRow + j);
            dz.intoArray(x.dGx, gRow + H + j);
            dn.intoArray(x.dGx, gRow + 2 * H + j);
            dr.intoArray(x.dGh, hRow + j);
            dz.intoArray(x.dGh, hRow + H + j);
            dn.mul(rr).intoArray(x.dGh, hRow + 2 * H + j);
            dh.mul(z).intoArray(x.dhPrev, x.dhPrevOff + hi);
        }
    }
}
