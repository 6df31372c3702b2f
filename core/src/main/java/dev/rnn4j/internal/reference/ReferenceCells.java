package dev.rnn4j.internal.reference;

import static dev.rnn4j.internal.host.HostBuffer.ints;

import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.internal.host.HostBuffer;
import dev.rnn4j.spi.StepArgs;

/**
 * The oracle's cells: one plain loop per formula of the cell math (docs/architecture.md,
 * "Cell math"), float storage, double arithmetic, written to be checked line by line rather than to be fast.
 * Variable names follow the math: {@code ai, af, ag, ao} are LSTM gate pre-activations, {@code i, f, g, o} their
 * activations.
 */
final class ReferenceCells {
    private ReferenceCells() {
    }

    /** The storage of a float buffer; the reference keeps no derived data, so reads and writes resolve alike. */
    private static float[] floats(DeviceBuffer b) {
        return HostBuffer.floatsForWrite(b);
    }

    static void forward(CellType cell, StepArgs s) {
        Step x = new Step(cell, s, true);
        int H = s.config.hidden();
        for (int b = 0; b < s.batch; b++) {
            boolean valid = s.step() < x.lengths[b];
            int gRow = b * cell.gates() * H;
            int row = (int) s.reserveOffset() + b * x.width; // this row's reserve
            for (int j = 0; j < H; j++) {
                int hi = b * H + j;
                int hOut = (int) s.hNextOffset() + hi;
                if (!valid) {
                    // A projected LSTM's h has P < H features and is not read here; its m past the end is zero.
                    x.hNext[hOut] = s.config.projected() ? 0 : x.hPrev[(int) s.hPrevOffset() + hi];
                    if (cell.hasCellState()) {
                        x.cNext[(int) s.cNextOffset() + hi] = x.cPrev[(int) s.cPrevOffset() + hi];
                    }
                    continue;
                }
                switch (cell) {
                    case RNN_TANH, RNN_RELU -> {
                        double a = x.gate(pre(x, gRow, j), row, j);
                        x.hNext[hOut] = (float) x.act[0].apply(a);
                    }
                    case LSTM -> {
                        double cPrev = x.cPrev[(int) s.cPrevOffset() + hi];
                        double i = x.act[0].apply(x.gate(pre(x, gRow, j) + peep(s, j) * cPrev, row, j));
                        // input_forget couples the gates (f = 1 − i); the forget gate's pre-activation is unused.
                        double f = s.config.inputForget() ? 1 - i
                                : x.act[0].apply(x.gate(pre(x, gRow, H + j) + peep(s, H + j) * cPrev, row, H + j));
                        double g = x.act[1].apply(x.gate(pre(x, gRow, 2 * H + j), row, 2 * H + j));
                        double c = f * cPrev + i * g;
                        if (s.config.cellClip() > 0) {
                            c = Math.max(-s.config.cellClip(), Math.min(s.config.cellClip(), c)); // cuDNN's cell clipping
                        }
                        double o = x.act[0].apply(x.gate(pre(x, gRow, 3 * H + j) + peep(s, 2 * H + j) * c, row,
                                3 * H + j));
                        x.cNext[(int) s.cNextOffset() + hi] = (float) c;
                        x.hNext[hOut] = (float) (o * x.act[2].apply(c));
                        x.keep(row, j, i);
                        x.keep(row, H + j, f);
                        x.keep(row, 2 * H + j, g);
                        x.keep(row, 3 * H + j, o);
                    }
                    case GRU -> {
                        double r;
                        double z;
                        double n;
                        if (s.config.originalGru()) {
                            // r and z are activations already (gruResetForward); gh's n column is (r ⊙ h)·W_hnᵀ.
                            r = x.gh[gRow + j];
                            z = x.gh[gRow + H + j];
                            n = x.act[1].apply(x.gate(pre(x, gRow, 2 * H + j), row, 2 * H + j));
                        } else {
                            r = x.act[0].apply(x.gate(pre(x, gRow, j), row, j));
                            z = x.act[0].apply(x.gate(pre(x, gRow, H + j), row, H + j));
                            double hn = x.gh[gRow + 2 * H + j] + bias(x, 2 * H + j);
                            n = x.act[1].apply(x.gate(x.gx[(int) s.gxOffset() + gRow + 2 * H + j] + r * hn, row,
                                    2 * H + j));
                            x.keep(row, 3 * H + j, hn);
                        }
                        x.hNext[hOut] = (float) ((1 - z) * n + z * x.hPrev[(int) s.hPrevOffset() + hi]);
                        x.keep(row, j, r);
                        x.keep(row, H + j, z);
                        x.keep(row, 2 * H + j, n);
                    }
                }
            }
        }
    }

    /**
     * The arrays and reserve layout of one cell call, resolved once. A reserve row holds the cell's activations
     * (StepConfig#activationFloats), then with clip one pass flag per gate, then with ONNX activations each
     * gate's pre-activation.
     */
    private static final class Step {
        final StepArgs s;
        final Activation[] act;
        final int[] lengths;
        final float[] gx;
        final float[] gh;
        final float[] bhh;
        final float[] hPrev;
        final float[] hNext;
        final float[] cPrev;
        final float[] cNext;
        final float[] reserve;
        final int width;
        final int flags;
        final int pres;

        Step(CellType cell, StepArgs s, boolean forward) {
            this.s = s;
            act = new Activation[] {s.config.activation(0), s.config.activation(1), s.config.activation(2)};
            lengths = ints(s.lengths);
            gx = s.gx == null || !forward ? null : floats(s.gx);
            gh = s.gh == null || !forward ? null : floats(s.gh);
            bhh = s.bhh == null ? null : floats(s.bhh);
            hPrev = floats(s.hPrev);
            hNext = floats(s.hNext);
            cPrev = cell.hasCellState() ? floats(s.c) : null;
            cNext = cell.hasCellState() ? floats(s.c) : null;
            reserve = s.reserve == null ? null : floats(s.reserve);
            width = s.config.reserveWidth();
            flags = s.config.flagsAt();
            pres = s.config.preActivationsAt();
        }

        /**
         * A gate's pre-activation through ONNX's clip; in training records its pass flag (1 passed, 0 clamped) and,
         * with ONNX activations, the value itself, for backward.
         */
        double gate(double pre, int row, int q) {
            double v = pre;
            if (s.config.clip() > 0) {
                boolean passed = !(Math.abs(pre) > s.config.clip()); // NaN goes through
                v = passed ? pre : Math.copySign(s.config.clip(), pre);
                if (reserve != null) {
                    reserve[row + flags + q] = passed ? 1f : 0f;
                }
            }
            if (reserve != null && s.config.onnxActivations()) {
                reserve[row + pres + q] = (float) v;
            }
            return v;
        }

        /** Keeps an activation in the reserve (training only). */
        void keep(int row, int q, double v) {
            if (reserve != null) {
                reserve[row + q] = (float) v;
            }
        }

        /** The clip flag of gate column q (1 passed, 0 clamped), or 1 without clipping. */
        double passed(int row, int q) {
            return s.config.clip() <= 0 ? 1 : reserve[row + flags + q];
        }

        /**
         * The derivative of activation {@code a} at gate column q: from the kept pre-activation with ONNX
         * activations, else from the kept output {@code y} (the cell's own functions are sigmoid, tanh, ReLU).
         */
        double slope(Activation a, int row, int q, double y) {
            if (s.config.onnxActivations()) {
                return a.derivative((double) reserve[row + pres + q]);
            }
            return switch (a.function()) {
                case SIGMOID -> y * (1 - y);
                case TANH -> 1 - y * y;
                case RELU -> y > 0 ? 1 : 0;
                default -> throw new IllegalStateException("not a cell's own activation: " + a);
            };
        }
    }

    /** Gate pre-activation: input projection + recurrent projection + recurrent bias. */
    private static double pre(Step x, int row, int col) {
        return (double) x.gx[(int) x.s.gxOffset() + row + col] + x.gh[row + col] + bias(x, col);
    }

    private static double bias(Step x, int col) {
        return x.bhh == null ? 0 : x.bhh[col];
    }

    /** Peephole weight {@code k} of {@code p_i, p_f, p_o} ({@code [3·H]}), or 0 without peepholes. */
    private static double peep(StepArgs s, int k) {
        return s.peephole == null ? 0 : floats(s.peephole)[k];
    }

    static void backward(CellType cell, StepArgs s) {
        Step x = new Step(cell, s, false);
        float[] dyv = s.dy == null ? null : floats(s.dy);
        float[] dh = floats(s.dh);
        float[] dhPrev = floats(s.dhPrev);
        float[] dGx = floats(s.dGatesX);
        float[] dGh = cell == CellType.GRU && !s.config.originalGru() ? floats(s.dGatesH) : null;
        int H = s.config.hidden();
        int G = cell.gates();
        for (int b = 0; b < s.batch; b++) {
            boolean valid = s.step() < x.lengths[b];
            int gRow = (int) s.gxOffset() + b * G * H;
            int hRow = (int) s.gxOffset() + b * G * H;
            int row = (int) s.reserveOffset() + b * x.width;
            for (int j = 0; j < H; j++) {
                int hi = b * H + j;
                double dhTotal = dh[hi] + (dyv == null ? 0 : dyv[(int) s.dyOffset() + hi]);
                if (!valid) {
                    dhPrev[hi] = (float) dhTotal;
                    for (int q = 0; q < G; q++) {
                        dGx[gRow + q * H + j] = 0;
                        if (dGh != null) {
                            dGh[hRow + q * H + j] = 0;
                        }
                    }
                    continue;
                }
                switch (cell) {
                    case RNN_TANH, RNN_RELU -> {
                        double h = x.hNext[(int) s.hNextOffset() + hi];
                        dGx[gRow + j] = (float) (dhTotal * x.slope(x.act[0], row, j, h) * x.passed(row, j));
                        dhPrev[hi] = 0;
                    }
                    case LSTM -> {
                        float[] dcv = floats(s.dc);
                        double i = x.reserve[row + j];
                        double f = x.reserve[row + H + j];
                        double g = x.reserve[row + 2 * H + j];
                        double o = x.reserve[row + 3 * H + j];
                        double cPrev = x.cPrev[(int) s.cPrevOffset() + hi];
                        double c = x.cNext[(int) s.cNextOffset() + hi];
                        double ao = dhTotal * x.act[2].apply(c) * x.slope(x.act[0], row, 3 * H + j, o)
                                * x.passed(row, 3 * H + j);
                        // c_t reaches the loss through h, the next step, and o's peephole.
                        double dcTotal = dcv[hi] + dhTotal * o * x.act[2].derivative(c)
                                + ao * peep(s, 2 * H + j);
                        if (s.config.cellClip() > 0 && Math.abs(c) >= s.config.cellClip()) {
                            dcTotal = 0; // c_t was clamped
                        }
                        // With input_forget, c_t = (1 − i)·c_{t−1} + i·g: i also acts through f.
                        double ai = dcTotal * (s.config.inputForget() ? g - cPrev : g) * x.slope(x.act[0], row, j, i)
                                * x.passed(row, j);
                        double af = s.config.inputForget() ? 0
                                : dcTotal * cPrev * x.slope(x.act[0], row, H + j, f) * x.passed(row, H + j);
                        dGx[gRow + j] = (float) ai;
                        dGx[gRow + H + j] = (float) af;
                        dGx[gRow + 2 * H + j] = (float) (dcTotal * i * x.slope(x.act[1], row, 2 * H + j, g)
                                * x.passed(row, 2 * H + j));
                        dGx[gRow + 3 * H + j] = (float) ao;
                        // c_{t−1} reached c_t through f, and i and f through their peepholes.
                        dcv[hi] = (float) (dcTotal * f + ai * peep(s, j) + af * peep(s, H + j));
                        dhPrev[hi] = 0;
                    }
                    case GRU -> {
                        double r = x.reserve[row + j];
                        double z = x.reserve[row + H + j];
                        double n = x.reserve[row + 2 * H + j];
                        double hp = x.hPrev[(int) s.hPrevOffset() + hi];
                        double dnPre = dhTotal * (1 - z) * x.slope(x.act[1], row, 2 * H + j, n)
                                * x.passed(row, 2 * H + j);
                        double dzPre = dhTotal * (hp - n) * x.slope(x.act[0], row, H + j, z) * x.passed(row, H + j);
                        dGx[gRow + H + j] = (float) dzPre;
                        dGx[gRow + 2 * H + j] = (float) dnPre;
                        dhPrev[hi] = (float) (dhTotal * z);
                        if (s.config.originalGru()) {
                            dGx[gRow + j] = 0; // the r gate's gradient needs dn·W_hn: gruResetBackward writes it
                            continue;
                        }
                        double hn = x.reserve[row + 3 * H + j];
                        double drPre = dnPre * hn * x.slope(x.act[0], row, j, r) * x.passed(row, j);
                        dGx[gRow + j] = (float) drPre;
                        dGh[hRow + j] = (float) drPre;
                        dGh[hRow + H + j] = (float) dzPre;
                        dGh[hRow + 2 * H + j] = (float) (dnPre * r);
                    }
                }
            }
        }
    }

    static void gruResetForward(StepArgs s) {
        Step x = new Step(CellType.GRU, s, true);
        float[] rh = floats(s.rhBuffer());
        int H = s.config.hidden();
        int G = CellType.GRU.gates();
        for (int b = 0; b < s.batch; b++) {
            boolean valid = s.step() < x.lengths[b];
            int gRow = b * G * H;
            int row = (int) s.reserveOffset() + b * x.width;
            for (int j = 0; j < H; j++) {
                int at = (int) s.rhOffset() + b * s.rhStride() + j;
                if (!valid) {
                    rh[at] = 0;
                    continue;
                }
                double r = x.act[0].apply(x.gate(pre(x, gRow, j), row, j));
                double z = x.act[0].apply(x.gate(pre(x, gRow, H + j), row, H + j));
                x.gh[gRow + j] = (float) r;
                x.gh[gRow + H + j] = (float) z;
                rh[at] = (float) (r * x.hPrev[(int) s.hPrevOffset() + b * H + j]);
            }
        }
    }

    static void gruResetBackward(StepArgs s) {
        Step x = new Step(CellType.GRU, s, false);
        float[] drh = floats(s.drh);
        float[] dhPrev = floats(s.dhPrev);
        float[] dGx = floats(s.dGatesX);
        int H = s.config.hidden();
        int G = CellType.GRU.gates();
        for (int b = 0; b < s.batch; b++) {
            if (s.step() >= x.lengths[b]) {
                continue;
            }
            int row = (int) s.reserveOffset() + b * x.width;
            for (int j = 0; j < H; j++) {
                double r = x.reserve[row + j];
                double d = drh[b * H + j];
                double hp = x.hPrev[(int) s.hPrevOffset() + b * H + j];
                dGx[(int) s.gxOffset() + b * G * H + j] = (float) (d * hp * x.slope(x.act[0], row, j, r)
                        * x.passed(row, j));
                int at = b * H + j;
                dhPrev[at] = (float) (dhPrev[at] + d * r);
            }
        }
    }

}
