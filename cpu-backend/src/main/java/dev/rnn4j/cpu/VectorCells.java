package dev.rnn4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused cell steps with the Vector API: one pass over a row's gate pre-activations, adding the input projection,
 * the recurrent projection and the recurrent bias, applying the nonlinearities and writing state, outputs and the
 * reserve. The last {@code H mod VL} hidden units and rows past their sequence's end go to {@link ScalarCells}.
 * sigmoid is {@code 1 / (1 + exp(−x))} and tanh is {@link VectorOperators#TANH}: both intrinsified on x86
 * (the measurement against a rational approximation is in the package notes).
 */
final class VectorCells implements CellKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    private static FloatVector load(float[] a, int at) {
        return FloatVector.fromArray(S, a, at);
    }

    static FloatVector sigmoid(FloatVector v) {
        return ONE.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    static FloatVector tanh(FloatVector v) {
        return v.lanewise(VectorOperators.TANH);
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
            boolean variant = x.peep != null || x.inputForget || x.clip > 0 || x.cellClip > 0;
            if (variant && x.cell == dev.rnn4j.CellType.LSTM) {
                lstmVariantForward(x, b, j0, vecEnd);
                if (vecEnd < j1) {
                    ScalarCells.forwardRow(x, b, vecEnd, j1);
                }
                continue;
            }
            if (variant) {
                // Clipped RNN and GRU cells take the scalar twin for now: correct, not yet vectorised.
                ScalarCells.forwardRow(x, b, j0, j1);
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
            boolean variant = x.peep != null || x.inputForget || x.clip > 0 || x.cellClip > 0;
            if (variant && x.cell == dev.rnn4j.CellType.LSTM) {
                lstmVariantBackward(x, b, j0, vecEnd);
                if (vecEnd < j1) {
                    ScalarCells.backwardRow(x, b, vecEnd, j1);
                }
                continue;
            }
            if (variant) {
                ScalarCells.backwardRow(x, b, j0, j1);
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
            FloatVector c = f.fma(load(x.cPrev, x.cPrevOff + hi), i.mul(g));
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
     * ONNX's clip of a gate pre-activation (a no-op without clipping); in training, the flags at {@code flagAt}
     * record 1 where the value went through and 0 where it was clamped. NaN goes through, as in the scalar twin.
     */
    private static FloatVector clamp(CellArrays x, FloatVector v, int flagAt) {
        if (x.clip <= 0) {
            return v;
        }
        if (x.reserve != null) {
            ONE.blend(0f, v.abs().compare(VectorOperators.GT, x.clip)).intoArray(x.reserve, flagAt);
        }
        return v.max(-x.clip).min(x.clip);
    }

    /** The clip flags at {@code flagAt}, or ones without clipping. */
    private static FloatVector passed(CellArrays x, int flagAt) {
        return x.clip <= 0 ? ONE : load(x.reserve, flagAt);
    }

    /** The LSTM with its variants (peepholes, input_forget, gate clipping, cell clipping), as ScalarCells has it. */
    private static void lstmVariantForward(CellArrays x, int b, int j0, int vecEnd) {
        int H = x.hidden;
        int G = x.cell.gates();
        int gxRow = x.gxOff + b * G * H;
        int ghRow = x.ghOff + b * G * H;
        int r = x.reserveOff + b * x.reserveWidth;
        int fl = r + x.flagsAt;
        for (int j = j0; j < vecEnd; j += VL) {
            int hi = b * H + j;
            FloatVector cPrev = load(x.cPrev, x.cPrevOff + hi);
            FloatVector ai = pre(x, gxRow + j, ghRow + j, j);
            if (x.peep != null) {
                ai = load(x.peep, x.peepOff + j).fma(cPrev, ai);
            }
            FloatVector i = sigmoid(clamp(x, ai, fl + j));
            FloatVector f;
            if (x.inputForget) {
                f = ONE.sub(i);
            } else {
                FloatVector af = pre(x, gxRow + H + j, ghRow + H + j, H + j);
                if (x.peep != null) {
                    af = load(x.peep, x.peepOff + H + j).fma(cPrev, af);
                }
                f = sigmoid(clamp(x, af, fl + H + j));
            }
            FloatVector g = tanh(clamp(x, pre(x, gxRow + 2 * H + j, ghRow + 2 * H + j, 2 * H + j), fl + 2 * H + j));
            FloatVector c = f.fma(cPrev, i.mul(g));
            if (x.cellClip > 0) {
                c = c.max(-x.cellClip).min(x.cellClip);
            }
            FloatVector ao = pre(x, gxRow + 3 * H + j, ghRow + 3 * H + j, 3 * H + j);
            if (x.peep != null) {
                ao = load(x.peep, x.peepOff + 2 * H + j).fma(c, ao);
            }
            FloatVector o = sigmoid(clamp(x, ao, fl + 3 * H + j));
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
        int fl = r + x.flagsAt;
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
            FloatVector c = load(x.cNext, x.cNextOff + hi);
            FloatVector cPrev = load(x.cPrev, x.cPrevOff + hi);
            FloatVector tc = tanh(c);
            FloatVector ao = dh.mul(tc).mul(o.neg().fma(o, o)).mul(passed(x, fl + 3 * H + j));
            // c_t reaches the loss through h, the next step, and o's peephole.
            FloatVector dc = dh.mul(o).mul(tc.neg().fma(tc, ONE)).add(load(x.dc, x.dcOff + hi));
            if (x.peep != null) {
                dc = ao.fma(load(x.peep, x.peepOff + 2 * H + j), dc);
            }
            if (x.cellClip > 0) {
                dc = dc.blend(0f, c.abs().compare(VectorOperators.GE, x.cellClip)); // c_t was clamped
            }
            FloatVector ai = dc.mul(x.inputForget ? g.sub(cPrev) : g).mul(i.neg().fma(i, i)).mul(passed(x, fl + j));
            FloatVector af = x.inputForget ? zero
                    : dc.mul(cPrev).mul(f.neg().fma(f, f)).mul(passed(x, fl + H + j));
            ai.intoArray(x.dGx, gRow + j);
            af.intoArray(x.dGx, gRow + H + j);
            dc.mul(i).mul(g.neg().fma(g, ONE)).mul(passed(x, fl + 2 * H + j)).intoArray(x.dGx, gRow + 2 * H + j);
            ao.intoArray(x.dGx, gRow + 3 * H + j);
            FloatVector dcPrev = dc.mul(f);
            if (x.peep != null) {
                dcPrev = ai.fma(load(x.peep, x.peepOff + j), af.fma(load(x.peep, x.peepOff + H + j), dcPrev));
            }
            dcPrev.intoArray(x.dc, x.dcOff + hi);
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
            FloatVector n = tanh(rr.fma(hn, load(x.gx, gxRow + 2 * H + j)));
            // (1 − z)·n + z·h = n + z·(h − n)
            z.fma(load(x.hPrev, x.hPrevOff + hi).sub(n), n).intoArray(x.hNext, x.hNextOff + hi);
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
            FloatVector da = tanh ? dh.mul(h.neg().fma(h, ONE)) : zero.blend(dh, h.compare(VectorOperators.GT, 0f));
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
            FloatVector dc = dh.mul(o).mul(tc.neg().fma(tc, ONE)).add(load(x.dc, x.dcOff + hi));
            dc.mul(g).mul(i.neg().fma(i, i)).intoArray(x.dGx, gRow + j);
            dc.mul(load(x.cPrev, x.cPrevOff + hi)).mul(f.neg().fma(f, f)).intoArray(x.dGx, gRow + H + j);
            dc.mul(i).mul(g.neg().fma(g, ONE)).intoArray(x.dGx, gRow + 2 * H + j);
            dh.mul(tc).mul(o.neg().fma(o, o)).intoArray(x.dGx, gRow + 3 * H + j);
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
            FloatVector dn = dh.mul(z.neg().add(1f)).mul(n.neg().fma(n, ONE));
            FloatVector dr = dn.mul(hn).mul(rr.neg().fma(rr, rr));
            FloatVector dz = dh.mul(load(x.hPrev, x.hPrevOff + hi).sub(n)).mul(z.neg().fma(z, z));
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
