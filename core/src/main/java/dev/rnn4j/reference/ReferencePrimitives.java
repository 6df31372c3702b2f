package dev.rnn4j.reference;

import static dev.rnn4j.reference.HostBuffer.floats;
import static dev.rnn4j.reference.HostBuffer.ints;

import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.spi.DeviceBuffer;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.DropoutHash;
import dev.rnn4j.spi.OptimizerArgs;
import dev.rnn4j.spi.Primitives;
import dev.rnn4j.spi.TrainingPrimitives;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.Transpose;

/**
 * The reference primitives: one plain loop per formula, float storage, double arithmetic. Written to be checked
 * line by line against architecture.md §1, not to be fast. Variable names follow the math: {@code ai, af, ag, ao}
 * are LSTM gate pre-activations, {@code i, f, g, o} their activations.
 */
final class ReferencePrimitives implements Primitives, TrainingPrimitives {

    @Override
    public void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                     DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb,
                     float beta, DeviceBuffer c, long cOffset, int ldc) {
        float[] A = floats(a);
        float[] B = floats(b);
        float[] C = floats(c);
        boolean ta = transA == Transpose.YES;
        boolean tb = transB == Transpose.YES;
        for (int row = 0; row < m; row++) {
            for (int col = 0; col < n; col++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? A[(int) (aOffset + (long) p * lda + row)] : A[(int) (aOffset + (long) row * lda + p)];
                    double bv = tb ? B[(int) (bOffset + (long) col * ldb + p)] : B[(int) (bOffset + (long) p * ldb + col)];
                    sum += av * bv;
                }
                int ci = (int) (cOffset + (long) row * ldc + col);
                double previous = beta == 0 ? 0 : (double) beta * C[ci];
                C[ci] = (float) (alpha * sum + previous);
            }
        }
    }

    @Override
    public void cellForward(CellType cell, StepArgs s) {
        Step x = new Step(cell, s, true);
        int H = s.hidden;
        for (int b = 0; b < s.batch; b++) {
            boolean valid = s.step < x.lengths[b];
            int gRow = b * cell.gates() * H;
            int row = (int) s.reserveOffset + b * x.width; // this row's reserve
            for (int j = 0; j < H; j++) {
                int hi = b * H + j;
                int hOut = (int) s.hNextOffset + hi;
                if (!valid) {
                    // A projected LSTM's h has P < H features and is not read here; its m past the end is zero.
                    x.hNext[hOut] = s.projected ? 0 : x.hPrev[(int) s.hPrevOffset + hi];
                    if (cell.hasCellState()) {
                        x.cNext[(int) s.cNextOffset + hi] = x.cPrev[(int) s.cPrevOffset + hi];
                    }
                    continue;
                }
                switch (cell) {
                    case RNN_TANH, RNN_RELU -> {
                        double a = x.gate(pre(x, gRow, j), row, j);
                        x.hNext[hOut] = (float) x.act[0].apply(a);
                    }
                    case LSTM -> {
                        double cPrev = x.cPrev[(int) s.cPrevOffset + hi];
                        double i = x.act[0].apply(x.gate(pre(x, gRow, j) + peep(s, j) * cPrev, row, j));
                        // input_forget couples the gates (f = 1 − i); the forget gate's pre-activation is unused.
                        double f = s.inputForget ? 1 - i
                                : x.act[0].apply(x.gate(pre(x, gRow, H + j) + peep(s, H + j) * cPrev, row, H + j));
                        double g = x.act[1].apply(x.gate(pre(x, gRow, 2 * H + j), row, 2 * H + j));
                        double c = f * cPrev + i * g;
                        if (s.cellClip > 0) {
                            c = Math.max(-s.cellClip, Math.min(s.cellClip, c)); // cuDNN's cell clipping
                        }
                        double o = x.act[0].apply(x.gate(pre(x, gRow, 3 * H + j) + peep(s, 2 * H + j) * c, row,
                                3 * H + j));
                        x.cNext[(int) s.cNextOffset + hi] = (float) c;
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
                        if (s.linearAfterReset) {
                            // r and z are activations already (gruResetForward); gh's n column is (r ⊙ h)·W_hnᵀ.
                            r = x.gh[(int) s.ghOffset + gRow + j];
                            z = x.gh[(int) s.ghOffset + gRow + H + j];
                            n = x.act[1].apply(x.gate(pre(x, gRow, 2 * H + j), row, 2 * H + j));
                        } else {
                            r = x.act[0].apply(x.gate(pre(x, gRow, j), row, j));
                            z = x.act[0].apply(x.gate(pre(x, gRow, H + j), row, H + j));
                            double hn = x.gh[(int) s.ghOffset + gRow + 2 * H + j] + bias(x, 2 * H + j);
                            n = x.act[1].apply(x.gate(x.gx[(int) s.gxOffset + gRow + 2 * H + j] + r * hn, row,
                                    2 * H + j));
                            x.keep(row, 3 * H + j, hn);
                        }
                        x.hNext[hOut] = (float) ((1 - z) * n + z * x.hPrev[(int) s.hPrevOffset + hi]);
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
     * (StepArgs.reserveWidth(cell, H)), then with clip one pass flag per gate, then with ONNX activations each
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
            act = s.activations != null ? s.activations : Activation.defaults(cell).toArray(new Activation[0]);
            lengths = ints(s.lengths);
            gx = s.gx == null || !forward ? null : floats(s.gx);
            gh = s.gh == null || !forward ? null : floats(s.gh);
            bhh = s.bhh == null ? null : floats(s.bhh);
            hPrev = floats(s.hPrev);
            hNext = floats(s.hNext);
            cPrev = cell.hasCellState() ? floats(s.cPrev) : null;
            cNext = cell.hasCellState() ? floats(s.cNext) : null;
            reserve = s.reserve == null ? null : floats(s.reserve);
            int H = s.hidden;
            width = StepArgs.reserveWidth(cell, H, s.clip > 0, s.activations != null);
            flags = StepArgs.reserveWidth(cell, H);
            pres = StepArgs.preActivationsAt(cell, H, s.clip > 0);
        }

        /**
         * A gate's pre-activation through ONNX's clip; in training records its pass flag (1 passed, 0 clamped) and,
         * with ONNX activations, the value itself, for backward.
         */
        double gate(double pre, int row, int q) {
            double v = pre;
            if (s.clip > 0) {
                boolean passed = !(Math.abs(pre) > s.clip); // NaN goes through
                v = passed ? pre : Math.copySign(s.clip, pre);
                if (reserve != null) {
                    reserve[row + flags + q] = passed ? 1f : 0f;
                }
            }
            if (reserve != null && s.activations != null) {
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
            return s.clip <= 0 ? 1 : reserve[row + flags + q];
        }

        /**
         * The derivative of activation {@code a} at gate column q: from the kept pre-activation with ONNX
         * activations, else from the kept output {@code y} (the cell's own functions are sigmoid, tanh, ReLU).
         */
        double slope(Activation a, int row, int q, double y) {
            if (s.activations != null) {
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
        return (double) x.gx[(int) x.s.gxOffset + row + col] + x.gh[(int) x.s.ghOffset + row + col] + bias(x, col);
    }

    private static double bias(Step x, int col) {
        return x.bhh == null ? 0 : x.bhh[(int) x.s.bhhOffset + col];
    }

    /** Peephole weight {@code k} of {@code p_i, p_f, p_o} ({@code [3·H]}), or 0 without peepholes. */
    private static double peep(StepArgs s, int k) {
        return s.peephole == null ? 0 : floats(s.peephole)[(int) s.peepholeOffset + k];
    }

    @Override
    public void cellBackward(CellType cell, StepArgs s) {
        Step x = new Step(cell, s, false);
        float[] dyv = s.dy == null ? null : floats(s.dy);
        float[] dh = floats(s.dh);
        float[] dhPrev = floats(s.dhPrev);
        float[] dGx = floats(s.dGatesX);
        float[] dGh = cell == CellType.GRU && !s.linearAfterReset ? floats(s.dGatesH) : null;
        int H = s.hidden;
        int G = cell.gates();
        for (int b = 0; b < s.batch; b++) {
            boolean valid = s.step < x.lengths[b];
            int gRow = (int) s.dGatesXOffset + b * G * H;
            int hRow = (int) s.dGatesHOffset + b * G * H;
            int row = (int) s.reserveOffset + b * x.width;
            for (int j = 0; j < H; j++) {
                int hi = b * H + j;
                double dhTotal = dh[(int) s.dhOffset + hi] + (dyv == null ? 0 : dyv[(int) s.dyOffset + hi]);
                if (!valid) {
                    dhPrev[(int) s.dhPrevOffset + hi] = (float) dhTotal;
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
                        double h = x.hNext[(int) s.hNextOffset + hi];
                        dGx[gRow + j] = (float) (dhTotal * x.slope(x.act[0], row, j, h) * x.passed(row, j));
                        dhPrev[(int) s.dhPrevOffset + hi] = 0;
                    }
                    case LSTM -> {
                        float[] dcv = floats(s.dc);
                        double i = x.reserve[row + j];
                        double f = x.reserve[row + H + j];
                        double g = x.reserve[row + 2 * H + j];
                        double o = x.reserve[row + 3 * H + j];
                        double cPrev = x.cPrev[(int) s.cPrevOffset + hi];
                        double c = x.cNext[(int) s.cNextOffset + hi];
                        double ao = dhTotal * x.act[2].apply(c) * x.slope(x.act[0], row, 3 * H + j, o)
                                * x.passed(row, 3 * H + j);
                        // c_t reaches the loss through h, the next step, and o's peephole.
                        double dcTotal = dcv[(int) s.dcOffset + hi] + dhTotal * o * x.act[2].derivative(c)
                                + ao * peep(s, 2 * H + j);
                        if (s.cellClip > 0 && Math.abs(c) >= s.cellClip) {
                            dcTotal = 0; // c_t was clamped
                        }
                        // With input_forget, c_t = (1 − i)·c_{t−1} + i·g: i also acts through f.
                        double ai = dcTotal * (s.inputForget ? g - cPrev : g) * x.slope(x.act[0], row, j, i)
                                * x.passed(row, j);
                        double af = s.inputForget ? 0
                                : dcTotal * cPrev * x.slope(x.act[0], row, H + j, f) * x.passed(row, H + j);
                        dGx[gRow + j] = (float) ai;
                        dGx[gRow + H + j] = (float) af;
                        dGx[gRow + 2 * H + j] = (float) (dcTotal * i * x.slope(x.act[1], row, 2 * H + j, g)
                                * x.passed(row, 2 * H + j));
                        dGx[gRow + 3 * H + j] = (float) ao;
                        // c_{t−1} reached c_t through f, and i and f through their peepholes.
                        dcv[(int) s.dcOffset + hi] = (float) (dcTotal * f + ai * peep(s, j) + af * peep(s, H + j));
                        dhPrev[(int) s.dhPrevOffset + hi] = 0;
                    }
                    case GRU -> {
                        double r = x.reserve[row + j];
                        double z = x.reserve[row + H + j];
                        double n = x.reserve[row + 2 * H + j];
                        double hp = x.hPrev[(int) s.hPrevOffset + hi];
                        double dnPre = dhTotal * (1 - z) * x.slope(x.act[1], row, 2 * H + j, n)
                                * x.passed(row, 2 * H + j);
                        double dzPre = dhTotal * (hp - n) * x.slope(x.act[0], row, H + j, z) * x.passed(row, H + j);
                        dGx[gRow + H + j] = (float) dzPre;
                        dGx[gRow + 2 * H + j] = (float) dnPre;
                        dhPrev[(int) s.dhPrevOffset + hi] = (float) (dhTotal * z);
                        if (s.linearAfterReset) {
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

    @Override
    public void gruResetForward(StepArgs s) {
        Step x = new Step(CellType.GRU, s, true);
        float[] rh = floats(s.rh);
        int H = s.hidden;
        int G = CellType.GRU.gates();
        for (int b = 0; b < s.batch; b++) {
            boolean valid = s.step < x.lengths[b];
            int gRow = b * G * H;
            int row = (int) s.reserveOffset + b * x.width;
            for (int j = 0; j < H; j++) {
                int at = (int) s.rhOffset + b * s.rhStride + j;
                if (!valid) {
                    rh[at] = 0;
                    continue;
                }
                double r = x.act[0].apply(x.gate(pre(x, gRow, j), row, j));
                double z = x.act[0].apply(x.gate(pre(x, gRow, H + j), row, H + j));
                x.gh[(int) s.ghOffset + gRow + j] = (float) r;
                x.gh[(int) s.ghOffset + gRow + H + j] = (float) z;
                rh[at] = (float) (r * x.hPrev[(int) s.hPrevOffset + b * H + j]);
            }
        }
    }

    @Override
    public void gruResetBackward(StepArgs s) {
        Step x = new Step(CellType.GRU, s, false);
        float[] drh = floats(s.drh);
        float[] dhPrev = floats(s.dhPrev);
        float[] dGx = floats(s.dGatesX);
        int H = s.hidden;
        int G = CellType.GRU.gates();
        for (int b = 0; b < s.batch; b++) {
            if (s.step >= x.lengths[b]) {
                continue;
            }
            int row = (int) s.reserveOffset + b * x.width;
            for (int j = 0; j < H; j++) {
                double r = x.reserve[row + j];
                double d = drh[(int) s.drhOffset + b * H + j];
                double hp = x.hPrev[(int) s.hPrevOffset + b * H + j];
                dGx[(int) s.dGatesXOffset + b * G * H + j] = (float) (d * hp * x.slope(x.act[0], row, j, r)
                        * x.passed(row, j));
                int at = (int) s.dhPrevOffset + b * H + j;
                dhPrev[at] = (float) (dhPrev[at] + d * r);
            }
        }
    }

    @Override
    public void carryPastEnd(DeviceBuffer lengths, int step, int batch, int width, MatrixRef src, MatrixRef dst,
                             float beta) {
        int[] len = ints(lengths);
        float[] s = floats(src.buffer());
        float[] d = floats(dst.buffer());
        for (int b = 0; b < batch; b++) {
            if (step < len[b]) {
                continue;
            }
            for (int j = 0; j < width; j++) {
                int di = (int) (dst.offset() + (long) b * dst.ld() + j);
                double v = s[(int) (src.offset() + (long) b * src.ld() + j)];
                d[di] = (float) (beta == 0 ? v : beta * d[di] + v);
            }
        }
    }

    @Override
    public void fill(DeviceBuffer dst, long offset, long n, float value) {
        java.util.Arrays.fill(floats(dst), (int) offset, (int) (offset + n), value);
    }

    @Override
    public void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long n) {
        System.arraycopy(floats(src), (int) srcOffset, floats(dst), (int) dstOffset, (int) n);
    }

    @Override
    public void broadcastRows(DeviceBuffer row, long rowOffset, DeviceBuffer dst, long dstOffset, int rows, int cols) {
        float[] v = floats(row);
        float[] d = floats(dst);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(v, (int) rowOffset, d, (int) dstOffset + r * cols, cols);
        }
    }

    @Override
    public void columnSums(DeviceBuffer src, long srcOffset, int rows, int cols, float beta, DeviceBuffer dst,
                           long dstOffset) {
        float[] s = floats(src);
        float[] d = floats(dst);
        for (int c = 0; c < cols; c++) {
            double sum = 0;
            for (int r = 0; r < rows; r++) {
                sum += s[(int) srcOffset + r * cols + c];
            }
            int di = (int) dstOffset + c;
            d[di] = (float) (sum + (beta == 0 ? 0 : (double) beta * d[di]));
        }
    }

    @Override
    public void columnSumsOfProducts(MatrixRef a, MatrixRef b, int rows, int cols, float beta, DeviceBuffer dst,
                                     long dstOffset) {
        float[] av = floats(a.buffer());
        float[] bv = floats(b.buffer());
        float[] d = floats(dst);
        for (int c = 0; c < cols; c++) {
            double sum = 0;
            for (int r = 0; r < rows; r++) {
                sum += (double) av[(int) (a.offset() + (long) r * a.ld() + c)] * bv[(int) (b.offset() + (long) r * b.ld() + c)];
            }
            int o = (int) dstOffset + c;
            d[o] = (float) (beta == 0 ? sum : beta * d[o] + sum);
        }
    }

    @Override
    public void copySteps(DeviceBuffer lengths, int steps, int batch, int width, MatrixRef src, MatrixRef dst,
                          boolean reverse) {
        int[] len = ints(lengths);
        float[] s = floats(src.buffer());
        float[] d = floats(dst.buffer());
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int dstRow = (int) dst.offset() + (t * batch + b) * dst.ld();
                if (t >= len[b]) {
                    java.util.Arrays.fill(d, dstRow, dstRow + width, 0f);
                    continue;
                }
                int from = reverse ? len[b] - 1 - t : t;
                int srcRow = (int) src.offset() + (from * batch + b) * src.ld();
                System.arraycopy(s, srcRow, d, dstRow, width);
            }
        }
    }

    // Training primitives: the plain formulas in double, the yardstick for the other backends.

    @Override
    public void softmaxCrossEntropy(MatrixRef logits, DeviceBuffer targets, int rows, int classes, float scale,
                                    MatrixRef dLogits, DeviceBuffer losses) {
        float[] z = floats(logits.buffer());
        float[] dz = floats(dLogits.buffer());
        float[] loss = floats(losses);
        int[] t = ints(targets);
        for (int r = 0; r < rows; r++) {
            int row = (int) (logits.offset() + (long) r * logits.ld());
            int drow = (int) (dLogits.offset() + (long) r * dLogits.ld());
            if (t[r] < 0) {
                loss[r] = 0;
                java.util.Arrays.fill(dz, drow, drow + classes, 0f);
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, z[row + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(z[row + c] - max);
            }
            loss[r] = (float) (Math.log(sum) + max - z[row + t[r]]);
            for (int c = 0; c < classes; c++) {
                double softmax = Math.exp(z[row + c] - max) / sum;
                dz[drow + c] = (float) (scale * (softmax - (c == t[r] ? 1 : 0)));
            }
        }
    }

    @Override
    public void squaredError(MatrixRef pred, MatrixRef target, DeviceBuffer mask, int rows, int cols, float scale,
                             MatrixRef dPred, DeviceBuffer losses) {
        float[] y = floats(pred.buffer());
        float[] t = floats(target.buffer());
        float[] dy = floats(dPred.buffer());
        float[] loss = floats(losses);
        int[] m = mask == null ? null : ints(mask);
        for (int r = 0; r < rows; r++) {
            boolean counts = m == null || m[r] != 0;
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                double diff = (double) y[(int) (pred.offset() + (long) r * pred.ld() + c)]
                        - t[(int) (target.offset() + (long) r * target.ld() + c)];
                sum += diff * diff;
                dy[(int) (dPred.offset() + (long) r * dPred.ld() + c)] = counts ? (float) (scale * 2 * diff) : 0f;
            }
            loss[r] = counts ? (float) sum : 0f;
        }
    }

    @Override
    public void gatherRows(DeviceBuffer table, DeviceBuffer ids, int rows, int dim, MatrixRef out) {
        float[] w = floats(table);
        float[] o = floats(out.buffer());
        int[] id = ints(ids);
        for (int r = 0; r < rows; r++) {
            int to = (int) (out.offset() + (long) r * out.ld());
            if (id[r] < 0) {
                java.util.Arrays.fill(o, to, to + dim, 0f);
            } else {
                System.arraycopy(w, id[r] * dim, o, to, dim);
            }
        }
    }

    @Override
    public void scatterAddRows(MatrixRef dOut, DeviceBuffer ids, int rows, int dim, DeviceBuffer dTable) {
        float[] d = floats(dOut.buffer());
        float[] g = floats(dTable);
        int[] id = ints(ids);
        for (int r = 0; r < rows; r++) {
            if (id[r] < 0) {
                continue;
            }
            int from = (int) (dOut.offset() + (long) r * dOut.ld());
            for (int c = 0; c < dim; c++) {
                g[id[r] * dim + c] += d[from + c];
            }
        }
    }

    @Override
    public void dropout(DeviceBuffer x, long xOffset, DeviceBuffer y, long yOffset, DeviceBuffer mask, long maskOffset,
                        long n, float p, long seed) {
        float[] xv = floats(x);
        float[] yv = floats(y);
        float[] mv = floats(mask);
        float keep = 1f / (1f - p);
        for (int i = 0; i < n; i++) {
            float m = DropoutHash.uniform(seed, i) >= p ? keep : 0f;
            mv[(int) maskOffset + i] = m;
            yv[(int) yOffset + i] = xv[(int) xOffset + i] * m;
        }
    }

    @Override
    public void multiply(DeviceBuffer a, long aOffset, DeviceBuffer b, long bOffset, DeviceBuffer y, long yOffset,
                         long n) {
        float[] av = floats(a);
        float[] bv = floats(b);
        float[] yv = floats(y);
        for (int i = 0; i < n; i++) {
            yv[(int) yOffset + i] = av[(int) aOffset + i] * bv[(int) bOffset + i];
        }
    }

    @Override
    public void scale(DeviceBuffer x, long offset, long n, float factor) {
        float[] v = floats(x);
        for (int i = 0; i < n; i++) {
            v[(int) offset + i] *= factor;
        }
    }

    @Override
    public void sumOfSquares(DeviceBuffer x, long offset, long n, DeviceBuffer out, long outOffset, int parts) {
        float[] v = floats(x);
        float[] o = floats(out);
        for (int p = 0; p < parts; p++) {
            double sum = 0;
            for (long i = p; i < n; i += parts) {
                double e = v[(int) (offset + i)];
                sum += e * e;
            }
            o[(int) outOffset + p] = (float) sum;
        }
    }

    @Override
    public void optimizerStep(OptimizerArgs a) {
        float[] w = floats(a.weights);
        float[] g = floats(a.gradients);
        float[] s1 = a.state1 == null ? null : floats(a.state1);
        float[] s2 = a.state2 == null ? null : floats(a.state2);
        double c1 = 1 - Math.pow(a.beta1, a.step);
        double c2 = 1 - Math.pow(a.beta2, a.step);
        for (int i = 0; i < a.n; i++) {
            int wi = (int) a.weightsOffset + i;
            double wv = w[wi];
            double gv = g[(int) a.gradientsOffset + i];
            if (a.decoupledWeightDecay) {
                wv -= (double) a.learningRate * a.weightDecay * wv;
            } else {
                gv += a.weightDecay * wv;
            }
            switch (a.kind) {
                case SGD -> {
                    if (s1 != null && a.momentum != 0) {
                        int si = (int) a.state1Offset + i;
                        double buf = a.momentum * s1[si] + gv;
                        s1[si] = (float) buf;
                        gv = buf;
                    }
                    wv -= a.learningRate * gv;
                }
                case ADAM -> {
                    int mi = (int) a.state1Offset + i;
                    int vi = (int) a.state2Offset + i;
                    double m = a.beta1 * s1[mi] + (1 - a.beta1) * gv;
                    double v = a.beta2 * s2[vi] + (1 - a.beta2) * gv * gv;
                    s1[mi] = (float) m;
                    s2[vi] = (float) v;
                    wv -= a.learningRate / c1 * m / (Math.sqrt(v) / Math.sqrt(c2) + a.eps);
                }
                case RMSPROP -> {
                    int si = (int) a.state1Offset + i;
                    double sq = a.alpha * s1[si] + (1 - a.alpha) * gv * gv;
                    s1[si] = (float) sq;
                    wv -= a.learningRate * gv / (Math.sqrt(sq) + a.eps);
                }
            }
            w[wi] = (float) wv;
        }
    }
}
