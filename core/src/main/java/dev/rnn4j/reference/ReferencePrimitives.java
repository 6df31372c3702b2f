package dev.rnn4j.reference;

import static dev.rnn4j.reference.HostBuffer.floats;
import static dev.rnn4j.reference.HostBuffer.ints;

import dev.rnn4j.CellType;
import dev.rnn4j.spi.DeviceBuffer;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.Primitives;
import dev.rnn4j.spi.StepArgs;
import dev.rnn4j.spi.Transpose;

/**
 * The reference primitives: one plain loop per formula, float storage, double arithmetic. Written to be checked
 * line by line against architecture.md §1, not to be fast. Variable names follow the math: {@code ai, af, ag, ao}
 * are LSTM gate pre-activations, {@code i, f, g, o} their activations.
 */
final class ReferencePrimitives implements Primitives {

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
        float[] gx = floats(s.gx);
        float[] gh = floats(s.gh);
        float[] bhh = s.bhh == null ? null : floats(s.bhh);
        float[] hPrev = floats(s.hPrev);
        float[] hNext = floats(s.hNext);
        float[] reserve = s.reserve == null ? null : floats(s.reserve);
        int[] lengths = ints(s.lengths);
        int H = s.hidden;
        int G = cell.gates();
        int R = StepArgs.reserveWidth(cell, H, s.clip > 0);
        int flags = StepArgs.reserveWidth(cell, H); // where the clip flags start within a reserve row
        for (int b = 0; b < s.batch; b++) {
            boolean valid = s.step < lengths[b];
            int gRow = b * G * H;
            int fRow = (int) s.reserveOffset + b * R + flags;
            for (int j = 0; j < H; j++) {
                int hi = b * H + j;
                // A projected LSTM's h has P < H features and is not read here; its m past the end is zero.
                double hp = s.projected ? 0 : hPrev[(int) s.hPrevOffset + hi];
                if (!valid) {
                    hNext[(int) s.hNextOffset + hi] = (float) hp;
                    if (cell.hasCellState()) {
                        floats(s.cNext)[(int) s.cNextOffset + hi] = floats(s.cPrev)[(int) s.cPrevOffset + hi];
                    }
                    continue;
                }
                switch (cell) {
                    case RNN_TANH, RNN_RELU -> {
                        double a = clip(s, pre(gx, s.gxOffset, gh, s.ghOffset, bhh, s.bhhOffset, gRow, j), reserve,
                                fRow + j);
                        hNext[(int) s.hNextOffset + hi] = (float) (cell == CellType.RNN_TANH ? Math.tanh(a) : Math.max(0, a));
                    }
                    case LSTM -> {
                        double cPrev = floats(s.cPrev)[(int) s.cPrevOffset + hi];
                        double i = sigmoid(clip(s, pre(gx, s.gxOffset, gh, s.ghOffset, bhh, s.bhhOffset, gRow, j)
                                + peep(s, j) * cPrev, reserve, fRow + j));
                        double f = s.inputForget ? 1 - i
                                : sigmoid(clip(s, pre(gx, s.gxOffset, gh, s.ghOffset, bhh, s.bhhOffset, gRow, H + j)
                                + peep(s, H + j) * cPrev, reserve, fRow + H + j));
                        double g = Math.tanh(clip(s, pre(gx, s.gxOffset, gh, s.ghOffset, bhh, s.bhhOffset, gRow,
                                2 * H + j), reserve, fRow + 2 * H + j));
                        double c = f * cPrev + i * g;
                        if (s.cellClip > 0) {
                            c = Math.max(-s.cellClip, Math.min(s.cellClip, c)); // cuDNN's cell clipping
                        }
                        double o = sigmoid(clip(s, pre(gx, s.gxOffset, gh, s.ghOffset, bhh, s.bhhOffset, gRow, 3 * H + j)
                                + peep(s, 2 * H + j) * c, reserve, fRow + 3 * H + j));
                        floats(s.cNext)[(int) s.cNextOffset + hi] = (float) c;
                        hNext[(int) s.hNextOffset + hi] = (float) (o * Math.tanh(c));
                        if (reserve != null) {
                            int r = (int) s.reserveOffset + b * R;
                            reserve[r + j] = (float) i;
                            reserve[r + H + j] = (float) f;
                            reserve[r + 2 * H + j] = (float) g;
                            reserve[r + 3 * H + j] = (float) o;
                        }
                    }
                    case GRU -> {
                        if (s.linearAfterReset) {
                            // r and z are activations already (gruResetForward); gh's n column is (r ⊙ h)·W_hnᵀ.
                            double r = gh[(int) s.ghOffset + gRow + j];
                            double z = gh[(int) s.ghOffset + gRow + H + j];
                            double n = Math.tanh(clip(s, pre(gx, s.gxOffset, gh, s.ghOffset, bhh, s.bhhOffset, gRow,
                                    2 * H + j), reserve, fRow + 2 * H + j));
                            hNext[(int) s.hNextOffset + hi] = (float) ((1 - z) * n + z * hp);
                            if (reserve != null) {
                                int q = (int) s.reserveOffset + b * R;
                                reserve[q + j] = (float) r;
                                reserve[q + H + j] = (float) z;
                                reserve[q + 2 * H + j] = (float) n;
                            }
                            continue;
                        }
                        double r = sigmoid(clip(s, pre(gx, s.gxOffset, gh, s.ghOffset, bhh, s.bhhOffset, gRow, j),
                                reserve, fRow + j));
                        double z = sigmoid(clip(s, pre(gx, s.gxOffset, gh, s.ghOffset, bhh, s.bhhOffset, gRow, H + j),
                                reserve, fRow + H + j));
                        double hn = gh[(int) s.ghOffset + gRow + 2 * H + j]
                                + (bhh == null ? 0 : bhh[(int) s.bhhOffset + 2 * H + j]);
                        double n = Math.tanh(clip(s, gx[(int) s.gxOffset + gRow + 2 * H + j] + r * hn, reserve,
                                fRow + 2 * H + j));
                        hNext[(int) s.hNextOffset + hi] = (float) ((1 - z) * n + z * hp);
                        if (reserve != null) {
                            int q = (int) s.reserveOffset + b * R;
                            reserve[q + j] = (float) r;
                            reserve[q + H + j] = (float) z;
                            reserve[q + 2 * H + j] = (float) n;
                            reserve[q + 3 * H + j] = (float) hn;
                        }
                    }
                }
            }
        }
    }

    /** Gate pre-activation: input projection + recurrent projection + recurrent bias. */
    private static double pre(float[] gx, long gxOff, float[] gh, long ghOff, float[] bhh, long bOff, int row, int col) {
        return (double) gx[(int) gxOff + row + col] + gh[(int) ghOff + row + col]
                + (bhh == null ? 0 : bhh[(int) bOff + col]);
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /**
     * ONNX's clip of a gate pre-activation: clamped to [−clip, clip]; with clipping on and a reserve (training), the
     * flag at {@code flagAt} records 1 (passed) or 0 (clamped) for backward.
     */
    private static double clip(StepArgs s, double pre, float[] reserve, int flagAt) {
        if (s.clip <= 0) {
            return pre;
        }
        boolean passed = !(Math.abs(pre) > s.clip); // NaN goes through
        if (reserve != null) {
            reserve[flagAt] = passed ? 1f : 0f;
        }
        return passed ? pre : Math.copySign(s.clip, pre);
    }

    /** The clip flag of a gate (1 passed, 0 clamped), or 1 without clipping. */
    private static double passed(StepArgs s, float[] reserve, int flagAt) {
        return s.clip <= 0 ? 1 : reserve[flagAt];
    }

    /** Peephole weight {@code k} of {@code p_i, p_f, p_o} ({@code [3·H]}), or 0 without peepholes. */
    private static double peep(StepArgs s, int k) {
        return s.peephole == null ? 0 : floats(s.peephole)[(int) s.peepholeOffset + k];
    }

    @Override
    public void cellBackward(CellType cell, StepArgs s) {
        float[] reserve = cell == CellType.LSTM || cell == CellType.GRU || s.clip > 0 ? floats(s.reserve) : null;
        float[] dyv = s.dy == null ? null : floats(s.dy);
        float[] dh = floats(s.dh);
        float[] dhPrev = floats(s.dhPrev);
        float[] dGx = floats(s.dGatesX);
        int[] lengths = ints(s.lengths);
        int H = s.hidden;
        int G = cell.gates();
        int R = StepArgs.reserveWidth(cell, H, s.clip > 0);
        int flags = StepArgs.reserveWidth(cell, H);
        for (int b = 0; b < s.batch; b++) {
            boolean valid = s.step < lengths[b];
            int gRow = (int) s.dGatesXOffset + b * G * H;
            int fRow = (int) s.reserveOffset + b * R + flags;
            for (int j = 0; j < H; j++) {
                int hi = b * H + j;
                double dhTotal = dh[(int) s.dhOffset + hi] + (dyv == null ? 0 : dyv[(int) s.dyOffset + hi]);
                if (!valid) {
                    dhPrev[(int) s.dhPrevOffset + hi] = (float) dhTotal;
                    for (int q = 0; q < G; q++) {
                        dGx[gRow + q * H + j] = 0;
                        if (cell == CellType.GRU) {
                            floats(s.dGatesH)[(int) s.dGatesHOffset + b * G * H + q * H + j] = 0;
                        }
                    }
                    continue;
                }
                switch (cell) {
                    case RNN_TANH -> {
                        double h = floats(s.hNext)[(int) s.hNextOffset + hi];
                        dGx[gRow + j] = (float) (dhTotal * (1 - h * h) * passed(s, reserve, fRow + j));
                        dhPrev[(int) s.dhPrevOffset + hi] = 0;
                    }
                    case RNN_RELU -> {
                        double h = floats(s.hNext)[(int) s.hNextOffset + hi];
                        dGx[gRow + j] = (float) ((h > 0 ? dhTotal : 0) * passed(s, reserve, fRow + j));
                        dhPrev[(int) s.dhPrevOffset + hi] = 0;
                    }
                    case LSTM -> {
                        float[] dcv = floats(s.dc);
                        int r = (int) s.reserveOffset + b * R;
                        double i = reserve[r + j];
                        double f = reserve[r + H + j];
                        double g = reserve[r + 2 * H + j];
                        double o = reserve[r + 3 * H + j];
                        double cPrev = floats(s.cPrev)[(int) s.cPrevOffset + hi];
                        double tc = Math.tanh(floats(s.cNext)[(int) s.cNextOffset + hi]);
                        double ao = dhTotal * tc * o * (1 - o) * passed(s, reserve, fRow + 3 * H + j);
                        // c_t reaches the loss through h, the next step, and o's peephole.
                        double dcTotal = dcv[(int) s.dcOffset + hi] + dhTotal * o * (1 - tc * tc)
                                + ao * peep(s, 2 * H + j);
                        if (s.cellClip > 0 && Math.abs(floats(s.cNext)[(int) s.cNextOffset + hi]) >= s.cellClip) {
                            dcTotal = 0; // c_t was clamped
                        }
                        // With input_forget, c_t = (1 − i)·c_{t−1} + i·g: i also acts through f.
                        double ai = dcTotal * (s.inputForget ? g - cPrev : g) * i * (1 - i)
                                * passed(s, reserve, fRow + j);
                        double af = s.inputForget ? 0 : dcTotal * cPrev * f * (1 - f) * passed(s, reserve, fRow + H + j);
                        dGx[gRow + j] = (float) ai;
                        dGx[gRow + H + j] = (float) af;
                        dGx[gRow + 2 * H + j] = (float) (dcTotal * i * (1 - g * g) * passed(s, reserve, fRow + 2 * H + j));
                        dGx[gRow + 3 * H + j] = (float) ao;
                        // c_{t−1} reached c_t through f, and i and f through their peepholes.
                        dcv[(int) s.dcOffset + hi] = (float) (dcTotal * f + ai * peep(s, j) + af * peep(s, H + j));
                        dhPrev[(int) s.dhPrevOffset + hi] = 0;
                    }
                    case GRU -> {
                        if (s.linearAfterReset) {
                            int q = (int) s.reserveOffset + b * R;
                            double z = reserve[q + H + j];
                            double n = reserve[q + 2 * H + j];
                            double hp = floats(s.hPrev)[(int) s.hPrevOffset + hi];
                            dGx[gRow + j] = 0; // the r gate's gradient needs dn·W_hn: gruResetBackward writes it
                            dGx[gRow + H + j] = (float) (dhTotal * (hp - n) * z * (1 - z)
                                    * passed(s, reserve, fRow + H + j));
                            dGx[gRow + 2 * H + j] = (float) (dhTotal * (1 - z) * (1 - n * n)
                                    * passed(s, reserve, fRow + 2 * H + j));
                            dhPrev[(int) s.dhPrevOffset + hi] = (float) (dhTotal * z);
                            continue;
                        }
                        float[] dGh = floats(s.dGatesH);
                        int hRow = (int) s.dGatesHOffset + b * G * H;
                        int q = (int) s.reserveOffset + b * R;
                        double r = reserve[q + j];
                        double z = reserve[q + H + j];
                        double n = reserve[q + 2 * H + j];
                        double hn = reserve[q + 3 * H + j];
                        double hp = floats(s.hPrev)[(int) s.hPrevOffset + hi];
                        double dnPre = dhTotal * (1 - z) * (1 - n * n) * passed(s, reserve, fRow + 2 * H + j);
                        double drPre = dnPre * hn * r * (1 - r) * passed(s, reserve, fRow + j);
                        double dzPre = dhTotal * (hp - n) * z * (1 - z) * passed(s, reserve, fRow + H + j);
                        dGx[gRow + j] = (float) drPre;
                        dGx[gRow + H + j] = (float) dzPre;
                        dGx[gRow + 2 * H + j] = (float) dnPre;
                        dGh[hRow + j] = (float) drPre;
                        dGh[hRow + H + j] = (float) dzPre;
                        dGh[hRow + 2 * H + j] = (float) (dnPre * r);
                        dhPrev[(int) s.dhPrevOffset + hi] = (float) (dhTotal * z);
                    }
                }
            }
        }
    }

    @Override
    public void gruResetForward(StepArgs s) {
        float[] gx = floats(s.gx);
        float[] gh = floats(s.gh);
        float[] bhh = s.bhh == null ? null : floats(s.bhh);
        float[] hPrev = floats(s.hPrev);
        float[] rh = floats(s.rh);
        float[] reserve = s.reserve == null ? null : floats(s.reserve);
        int[] lengths = ints(s.lengths);
        int H = s.hidden;
        int G = CellType.GRU.gates();
        int R = StepArgs.reserveWidth(CellType.GRU, H, s.clip > 0);
        int flags = StepArgs.reserveWidth(CellType.GRU, H);
        for (int b = 0; b < s.batch; b++) {
            boolean valid = s.step < lengths[b];
            int gRow = b * G * H;
            int fRow = (int) s.reserveOffset + b * R + flags;
            for (int j = 0; j < H; j++) {
                int at = (int) s.rhOffset + b * s.rhStride + j;
                if (!valid) {
                    rh[at] = 0;
                    continue;
                }
                double r = sigmoid(clip(s, pre(gx, s.gxOffset, gh, s.ghOffset, bhh, s.bhhOffset, gRow, j), reserve,
                        fRow + j));
                double z = sigmoid(clip(s, pre(gx, s.gxOffset, gh, s.ghOffset, bhh, s.bhhOffset, gRow, H + j),
                        reserve, fRow + H + j));
                gh[(int) s.ghOffset + gRow + j] = (float) r;
                gh[(int) s.ghOffset + gRow + H + j] = (float) z;
                rh[at] = (float) (r * hPrev[(int) s.hPrevOffset + b * H + j]);
            }
        }
    }

    @Override
    public void gruResetBackward(StepArgs s) {
        float[] reserve = floats(s.reserve);
        float[] hPrev = floats(s.hPrev);
        float[] drh = floats(s.drh);
        float[] dhPrev = floats(s.dhPrev);
        float[] dGx = floats(s.dGatesX);
        int[] lengths = ints(s.lengths);
        int H = s.hidden;
        int G = CellType.GRU.gates();
        int R = StepArgs.reserveWidth(CellType.GRU, H, s.clip > 0);
        int flags = StepArgs.reserveWidth(CellType.GRU, H);
        for (int b = 0; b < s.batch; b++) {
            if (s.step >= lengths[b]) {
                continue;
            }
            int q = (int) s.reserveOffset + b * R;
            for (int j = 0; j < H; j++) {
                double r = reserve[q + j];
                double d = drh[(int) s.drhOffset + b * H + j];
                double hp = hPrev[(int) s.hPrevOffset + b * H + j];
                dGx[(int) s.dGatesXOffset + b * G * H + j] = (float) (d * hp * r * (1 - r)
                        * passed(s, reserve, q + flags + j));
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
}
