package dev.rnn4j.cpu;

import dev.rnn4j.Activation;
import dev.rnn4j.CellType;

/**
 * The scalar twin of the vector cell kernels, in float arithmetic: the in-module oracle, the path where the Vector
 * API is not readable, the tail handler of the vector kernels (the last H mod VL hidden units), and the kernels of
 * the variants not vectorised (ONNX activation lists, clipped RNN and GRU cells).
 *
 * <p>A reserve row holds the cell's activations, then with clip one pass flag per gate ({@link CellArrays#flagsAt}),
 * then with ONNX activations each gate's pre-activation ({@link CellArrays#presAt}), where backward takes the
 * derivatives; the cell's own functions (sigmoid, tanh, ReLU) take theirs from the kept outputs.
 */
final class ScalarCells implements CellKernels {

    static float sigmoid(float v) {
        return (float) (1 / (1 + Math.exp(-v)));
    }

    static float tanh(float v) {
        return (float) Math.tanh(v);
    }

    @Override
    public void forward(CellArrays x, int b0, int b1, int j0, int j1) {
        for (int b = b0; b < b1; b++) {
            if (x.step >= x.lengths[b]) {
                carryState(x, b, j0, j1);
            } else {
                forwardRow(x, b, j0, j1);
            }
        }
    }

    /** A row past its sequence's end keeps its state. */
    static void carryState(CellArrays x, int b, int j0, int j1) {
        int H = x.hidden;
        if (x.projected) {
            // m of a projected LSTM: zero past the end; the driver carries h (P features) itself.
            java.util.Arrays.fill(x.hNext, x.hNextOff + b * H + j0, x.hNextOff + b * H + j1, 0f);
        } else {
            System.arraycopy(x.hPrev, x.hPrevOff + b * H + j0, x.hNext, x.hNextOff + b * H + j0, j1 - j0);
        }
        if (x.cNext != null) {
            System.arraycopy(x.cPrev, x.cPrevOff + b * H + j0, x.cNext, x.cNextOff + b * H + j0, j1 - j0);
        }
    }

    /** f(v) for activation slot {@code slot}: ONNX's function when set, else the cell's own. */
    private static float act(CellArrays x, int slot, float v) {
        if (x.activations != null) {
            return x.activations[slot].apply(v);
        }
        return switch (x.cell) {
            case RNN_TANH -> tanh(v);
            case RNN_RELU -> Math.max(0f, v);
            default -> slot == 0 ? sigmoid(v) : tanh(v);
        };
    }

    /**
     * The derivative of slot {@code slot} at gate column q of reserve row {@code row}: from the kept pre-activation
     * with ONNX activations, else from the output {@code y}.
     */
    private static float slope(CellArrays x, int slot, int row, int q, float y) {
        if (x.activations != null) {
            return x.activations[slot].derivative(x.reserve[row + x.presAt + q]);
        }
        return switch (x.cell) {
            case RNN_TANH -> 1 - y * y;
            case RNN_RELU -> y > 0 ? 1 : 0;
            default -> slot == 0 ? y * (1 - y) : 1 - y * y;
        };
    }

    /** One valid row, hidden units [j0, j1). */
    static void forwardRow(CellArrays x, int b, int j0, int j1) {
        int H = x.hidden;
        int G = x.cell.gates();
        int gxRow = x.gxOff + b * G * H;
        int ghRow = x.ghOff + b * G * H;
        int r = x.reserveOff + b * x.reserveWidth;
        for (int j = j0; j < j1; j++) {
            int hi = b * H + j;
            switch (x.cell) {
                case RNN_TANH, RNN_RELU -> {
                    float a = gate(x, x.gx[gxRow + j] + x.gh[ghRow + j] + bias(x, j), r, j);
                    x.hNext[x.hNextOff + hi] = act(x, 0, a);
                }
                case LSTM -> {
                    float cPrev = x.cPrev[x.cPrevOff + hi];
                    float i = act(x, 0, gate(x, x.gx[gxRow + j] + x.gh[ghRow + j] + bias(x, j) + peep(x, j) * cPrev,
                            r, j));
                    float f = x.inputForget ? 1 - i : act(x, 0, gate(x, x.gx[gxRow + H + j] + x.gh[ghRow + H + j]
                            + bias(x, H + j) + peep(x, H + j) * cPrev, r, H + j));
                    float g = act(x, 1, gate(x, x.gx[gxRow + 2 * H + j] + x.gh[ghRow + 2 * H + j]
                            + bias(x, 2 * H + j), r, 2 * H + j));
                    float c = f * cPrev + i * g;
                    if (x.cellClip > 0) {
                        c = Math.max(-x.cellClip, Math.min(x.cellClip, c)); // cuDNN's cell clipping
                    }
                    float o = act(x, 0, gate(x, x.gx[gxRow + 3 * H + j] + x.gh[ghRow + 3 * H + j]
                            + bias(x, 3 * H + j) + peep(x, 2 * H + j) * c, r, 3 * H + j));
                    x.cNext[x.cNextOff + hi] = c;
                    x.hNext[x.hNextOff + hi] = o * act(x, 2, c);
                    if (x.reserve != null) {
                        x.reserve[r + j] = i;
                        x.reserve[r + H + j] = f;
                        x.reserve[r + 2 * H + j] = g;
                        x.reserve[r + 3 * H + j] = o;
                    }
                }
                case GRU -> {
                    float rr;
                    float z;
                    float n;
                    if (x.linearAfterReset) {
                        // r, z are activations already (gruResetForward); gh's n column is (r ⊙ h)·W_hnᵀ.
                        rr = x.gh[ghRow + j];
                        z = x.gh[ghRow + H + j];
                        n = act(x, 1, gate(x, x.gx[gxRow + 2 * H + j] + x.gh[ghRow + 2 * H + j] + bias(x, 2 * H + j),
                                r, 2 * H + j));
                    } else {
                        rr = act(x, 0, gate(x, x.gx[gxRow + j] + x.gh[ghRow + j] + bias(x, j), r, j));
                        z = act(x, 0, gate(x, x.gx[gxRow + H + j] + x.gh[ghRow + H + j] + bias(x, H + j), r, H + j));
                        float hn = x.gh[ghRow + 2 * H + j] + bias(x, 2 * H + j);
                        n = act(x, 1, gate(x, x.gx[gxRow + 2 * H + j] + rr * hn, r, 2 * H + j));
                        if (x.reserve != null) {
                            x.reserve[r + 3 * H + j] = hn;
                        }
                    }
                    x.hNext[x.hNextOff + hi] = (1 - z) * n + z * x.hPrev[x.hPrevOff + hi];
                    if (x.reserve != null) {
                        x.reserve[r + j] = rr;
                        x.reserve[r + H + j] = z;
                        x.reserve[r + 2 * H + j] = n;
                    }
                }
            }
        }
    }

    /**
     * A gate's pre-activation through ONNX's clip to [−clip, clip]; in training it records the pass flag (1 passed,
     * 0 clamped) and, with ONNX activations, the value passed on, in reserve row {@code row} at gate column q.
     */
    static float gate(CellArrays x, float pre, int row, int q) {
        float v = pre;
        if (x.clip > 0) {
            boolean passed = !(Math.abs(pre) > x.clip); // NaN goes through
            v = passed ? pre : Math.copySign(x.clip, pre);
            if (x.reserve != null) {
                x.reserve[row + x.flagsAt + q] = passed ? 1f : 0f;
            }
        }
        if (x.activations != null && x.reserve != null) {
            x.reserve[row + x.presAt + q] = v;
        }
        return v;
    }

    /** The clip flag at {@code flagAt} (1 passed, 0 clamped), or 1 without clipping. */
    static float passed(CellArrays x, int flagAt) {
        return x.clip <= 0 ? 1f : x.reserve[flagAt];
    }

    /** Peephole weight {@code k} of {@code p_i, p_f, p_o}, or 0 without peepholes. */
    static float peep(CellArrays x, int k) {
        return x.peep == null ? 0 : x.peep[x.peepOff + k];
    }

    private static float bias(CellArrays x, int col) {
        return x.bhh == null ? 0f : x.bhh[x.bhhOff + col];
    }

    @Override
    public void gruResetForward(CellArrays x, int b0, int b1, int j0, int j1) {
        int H = x.hidden;
        for (int b = b0; b < b1; b++) {
            int rhRow = x.rhOff + b * x.rhStride;
            if (x.step >= x.lengths[b]) {
                java.util.Arrays.fill(x.rh, rhRow + j0, rhRow + j1, 0f);
                continue;
            }
            int gxRow = x.gxOff + b * 3 * H;
            int ghRow = x.ghOff + b * 3 * H;
            int r = x.reserveOff + b * x.reserveWidth;
            for (int j = j0; j < j1; j++) {
                float rr = act(x, 0, gate(x, x.gx[gxRow + j] + x.gh[ghRow + j] + bias(x, j), r, j));
                float z = act(x, 0, gate(x, x.gx[gxRow + H + j] + x.gh[ghRow + H + j] + bias(x, H + j), r, H + j));
                x.gh[ghRow + j] = rr;
                x.gh[ghRow + H + j] = z;
                x.rh[rhRow + j] = rr * x.hPrev[x.hPrevOff + b * H + j];
            }
        }
    }

    @Override
    public void gruResetBackward(CellArrays x, int b0, int b1, int j0, int j1) {
        int H = x.hidden;
        for (int b = b0; b < b1; b++) {
            if (x.step >= x.lengths[b]) {
                continue;
            }
            int r = x.reserveOff + b * x.reserveWidth;
            for (int j = j0; j < j1; j++) {
                int hi = b * H + j;
                float rr = x.reserve[r + j];
                float d = x.drh[x.drhOff + hi];
                x.dGx[x.dGxOff + b * 3 * H + j] = d * x.hPrev[x.hPrevOff + hi] * slope(x, 0, r, j, rr)
                        * passed(x, r + x.flagsAt + j);
                x.dhPrev[x.dhPrevOff + hi] += d * rr;
            }
        }
    }

    @Override
    public void backward(CellArrays x, int b0, int b1, int j0, int j1) {
        for (int b = b0; b < b1; b++) {
            if (x.step >= x.lengths[b]) {
                passThrough(x, b, j0, j1);
            } else {
                backwardRow(x, b, j0, j1);
            }
        }
    }

    /** A row past its sequence's end: gradients pass through unchanged, gate gradients are zero. */
    static void passThrough(CellArrays x, int b, int j0, int j1) {
        int H = x.hidden;
        int G = x.cell.gates();
        for (int j = j0; j < j1; j++) {
            int hi = b * H + j;
            x.dhPrev[x.dhPrevOff + hi] = x.dh[x.dhOff + hi] + (x.dy == null ? 0f : x.dy[x.dyOff + hi]);
        }
        for (int q = 0; q < G; q++) {
            java.util.Arrays.fill(x.dGx, x.dGxOff + b * G * H + q * H + j0, x.dGxOff + b * G * H + q * H + j1, 0f);
            if (x.dGh != null) {
                java.util.Arrays.fill(x.dGh, x.dGhOff + b * G * H + q * H + j0, x.dGhOff + b * G * H + q * H + j1, 0f);
            }
        }
    }

    /** One valid row, hidden units [j0, j1). */
    static void backwardRow(CellArrays x, int b, int j0, int j1) {
        int H = x.hidden;
        int G = x.cell.gates();
        int gRow = x.dGxOff + b * G * H;
        int r = x.reserveOff + b * x.reserveWidth;
        int fl = r + x.flagsAt;
        for (int j = j0; j < j1; j++) {
            int hi = b * H + j;
            float dh = x.dh[x.dhOff + hi] + (x.dy == null ? 0f : x.dy[x.dyOff + hi]);
            switch (x.cell) {
                case RNN_TANH, RNN_RELU -> {
                    float h = x.hNext[x.hNextOff + hi];
                    x.dGx[gRow + j] = dh * slope(x, 0, r, j, h) * passed(x, fl + j);
                    x.dhPrev[x.dhPrevOff + hi] = 0;
                }
                case LSTM -> {
                    float i = x.reserve[r + j];
                    float f = x.reserve[r + H + j];
                    float g = x.reserve[r + 2 * H + j];
                    float o = x.reserve[r + 3 * H + j];
                    float c = x.cNext[x.cNextOff + hi];
                    float ao = dh * act(x, 2, c) * slope(x, 0, r, 3 * H + j, o) * passed(x, fl + 3 * H + j);
                    float hSlope = x.activations != null ? x.activations[2].derivative(c) : 1 - tanh(c) * tanh(c);
                    float dc = x.dc[x.dcOff + hi] + dh * o * hSlope + ao * peep(x, 2 * H + j);
                    if (x.cellClip > 0 && Math.abs(c) >= x.cellClip) {
                        dc = 0; // c_t was clamped
                    }
                    float cPrev = x.cPrev[x.cPrevOff + hi];
                    // With input_forget, c_t = (1 − i)·c_{t−1} + i·g: i also acts through f.
                    float ai = dc * (x.inputForget ? g - cPrev : g) * slope(x, 0, r, j, i) * passed(x, fl + j);
                    float af = x.inputForget ? 0 : dc * cPrev * slope(x, 0, r, H + j, f) * passed(x, fl + H + j);
                    x.dGx[gRow + j] = ai;
                    x.dGx[gRow + H + j] = af;
                    x.dGx[gRow + 2 * H + j] = dc * i * slope(x, 1, r, 2 * H + j, g) * passed(x, fl + 2 * H + j);
                    x.dGx[gRow + 3 * H + j] = ao;
                    x.dc[x.dcOff + hi] = dc * f + ai * peep(x, j) + af * peep(x, H + j);
                    x.dhPrev[x.dhPrevOff + hi] = 0;
                }
                case GRU -> {
                    float rr = x.reserve[r + j];
                    float z = x.reserve[r + H + j];
                    float n = x.reserve[r + 2 * H + j];
                    float dn = dh * (1 - z) * slope(x, 1, r, 2 * H + j, n) * passed(x, fl + 2 * H + j);
                    float dz = dh * (x.hPrev[x.hPrevOff + hi] - n) * slope(x, 0, r, H + j, z) * passed(x, fl + H + j);
                    x.dGx[gRow + H + j] = dz;
                    x.dGx[gRow + 2 * H + j] = dn;
                    x.dhPrev[x.dhPrevOff + hi] = dh * z;
                    if (x.linearAfterReset) {
                        x.dGx[gRow + j] = 0; // written by gruResetBackward, once dn·W_hn is known
                        continue;
                    }
                    float hn = x.reserve[r + 3 * H + j];
                    float dr = dn * hn * slope(x, 0, r, j, rr) * passed(x, fl + j);
                    int hRow = x.dGhOff + b * G * H;
                    x.dGx[gRow + j] = dr;
                    x.dGh[hRow + j] = dr;
                    x.dGh[hRow + H + j] = dz;
                    x.dGh[hRow + 2 * H + j] = dn * rr;
                }
            }
        }
    }
}
