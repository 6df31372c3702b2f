package dev.rnn4j.internal.reference;

import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.Parameter;
import dev.rnn4j.ParameterKind;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import java.util.List;

/**
 * The oracle: the whole recurrent stack in double precision, one sequence at a time, one step at a time, with no
 * batching, no masks and no shared schedule. It is deliberately independent of the BPTT driver and the backends'
 * kernels so that it can judge them, and it is itself checked by finite differences.
 *
 * <p>Tensors are sequence-major: x {@code [T, B, I]}, output {@code [T, B, H·D]}, states {@code [L·D, B, H]}.
 * Sequence b only ever sees its first {@code lengths[b]} steps; its outputs past that stay zero.
 */
public final class ReferenceRnn {
    private final RnnSpec spec;
    private final List<Parameter> parameters;
    private final double[][] values;

    /** The oracle for {@code spec} with the given double-precision values, one array per parameter in state_dict order. */
    public ReferenceRnn(RnnSpec spec, double[][] values) {
        this.spec = spec;
        this.parameters = RnnParameters.describe(spec);
        if (values.length != parameters.size()) {
            throw new IllegalArgumentException("expected " + parameters.size() + " parameter arrays, got " + values.length);
        }
        for (int p = 0; p < values.length; p++) {
            if (values[p].length != parameters.get(p).size()) {
                throw new IllegalArgumentException(parameters.get(p).name() + ": expected " + parameters.get(p).size()
                        + " values, got " + values[p].length);
            }
        }
        this.values = values;
    }

    /** The oracle with the given float weights widened to double. */
    public static ReferenceRnn of(RnnParameters weights) {
        List<Parameter> ps = weights.parameters();
        double[][] v = new double[ps.size()][];
        for (int p = 0; p < v.length; p++) {
            v[p] = widen(weights.get(ps.get(p).name()));
        }
        return new ReferenceRnn(weights.spec(), v);
    }

    /** Float to double, element by element; null stays null. */
    public static double[] widen(float[] f) {
        if (f == null) {
            return null;
        }
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** The parameter arrays (live), in state_dict order. */
    public double[][] values() {
        return values;
    }

    private double[] w(ParameterKind kind, int layer, int dir) {
        if (!spec.has(kind)) {
            return null;
        }
        return values[index(kind, layer, dir)];
    }

    /**
     * Forward pass results, plus what backward needs: per sequence, layer and direction, the states and gate
     * activations of every processed step.
     *
     * @param output {@code [T, B, H·D]}
     * @param hN     {@code [L·D, B, H]}
     * @param cN     {@code [L·D, B, H]} for LSTM, else null
     */
    public record Result(double[] output, double[] hN, double[] cN, int steps, int batch, int[] lengths,
                         double[][][][] layerInputs, StepCache[][][][] cache) {
    }

    /** Gradients: {@code input [T, B, I]}, {@code h0}, {@code c0} {@code [L·D, B, H]}, and one array per parameter. */
    public record Gradients(double[] input, double[] h0, double[] c0, double[][] parameters) {
    }

    /** What one step of one sequence keeps for backward. */
    record StepCache(double[] x, double[] hPrev, double[] cPrev, double[] act, double[] hn, double[] rh, double[] c,
                     double[] m, double[] h, double[] pass, double[] pre) {
    }

    /** Runs the stack. {@code lengths}, {@code h0}, {@code c0} may be null (all T; zeros). */
    public Result forward(double[] x, int steps, int batch, int[] lengths, double[] h0, double[] c0) {
        int H = spec.hiddenSize();
        int S = spec.stateSize(); // h's features: P with a projection, else H
        int D = spec.directions();
        int L = spec.layers();
        int[] len = new int[batch];
        for (int b = 0; b < batch; b++) {
            len[b] = lengths == null ? steps : lengths[b];
        }
        double[] output = new double[steps * batch * spec.outputSize()];
        double[] hN = new double[L * D * batch * S];
        double[] cN = spec.cell().hasCellState() ? new double[L * D * batch * H] : null;
        double[][][][] inputs = new double[batch][L][][];
        StepCache[][][][] cache = new StepCache[batch][L][D][];
        for (int b = 0; b < batch; b++) {
            // The sequence's own steps: layer 0 input rows 0..len-1.
            double[][] in = new double[len[b]][spec.inputSize()];
            for (int t = 0; t < len[b]; t++) {
                System.arraycopy(x, (t * batch + b) * spec.inputSize(), in[t], 0, spec.inputSize());
            }
            for (int l = 0; l < L; l++) {
                inputs[b][l] = in;
                double[][] out = new double[len[b]][spec.outputSize()];
                for (int d = 0; d < D; d++) {
                    int sl = l * D + d;
                    double[] h = slice(h0, (sl * batch + b) * S, S);
                    double[] c = slice(c0, (sl * batch + b) * H, H);
                    cache[b][l][d] = new StepCache[len[b]];
                    for (int p = 0; p < len[b]; p++) {
                        int t = d == 0 ? p : len[b] - 1 - p;
                        StepCache sc = step(l, d, in[t], h, c);
                        cache[b][l][d][p] = sc;
                        h = sc.h;
                        c = sc.c;
                        System.arraycopy(h, 0, out[t], d * S, S);
                    }
                    System.arraycopy(h, 0, hN, (sl * batch + b) * S, S);
                    if (cN != null) {
                        System.arraycopy(c, 0, cN, (sl * batch + b) * H, H);
                    }
                }
                in = out;
            }
            for (int t = 0; t < len[b]; t++) {
                System.arraycopy(in[t], 0, output, (t * batch + b) * spec.outputSize(), spec.outputSize());
            }
        }
        return new Result(output, hN, cN, steps, batch, len, inputs, cache);
    }

    private static double[] slice(double[] src, int from, int n) {
        double[] out = new double[n];
        if (src != null) {
            System.arraycopy(src, from, out, 0, n);
        }
        return out;
    }

    /** One step of one sequence: the formulas of docs/architecture.md, "Cell math", literally. */
    private StepCache step(int l, int d, double[] x, double[] hPrev, double[] cPrev) {
        int H = spec.hiddenSize();
        int S = spec.stateSize();
        int G = spec.cell().gates();
        double[] wih = w(ParameterKind.WEIGHT_IH, l, d);
        double[] whh = w(ParameterKind.WEIGHT_HH, l, d);
        double[] bih = w(ParameterKind.BIAS_IH, l, d);
        double[] bhh = w(ParameterKind.BIAS_HH, l, d);
        double[] peep = w(ParameterKind.PEEPHOLE, l, d); // p_i, p_f, p_o; null without peepholes
        int I = x.length;
        double[] ax = new double[G * H]; // W_ih x + b_ih
        double[] ah = new double[G * H]; // W_hh h + b_hh
        for (int r = 0; r < G * H; r++) {
            double sx = bih == null ? 0 : bih[r];
            for (int k = 0; k < I; k++) {
                sx += wih[r * I + k] * x[k];
            }
            double sh = bhh == null ? 0 : bhh[r];
            for (int k = 0; k < S; k++) {
                sh += whh[r * S + k] * hPrev[k];
            }
            ax[r] = sx;
            ah[r] = sh;
        }
        double[] h = new double[H];
        double[] m = null;
        double[] c = cPrev;
        double[] act = new double[G * H];
        double[] hn = null;
        double[] rh = null;
        // With ONNX's clip, pass[q] is 1 where gate pre-activation q was within [−clip, clip], 0 where clamped.
        double[] pass = new double[G * H];
        java.util.Arrays.fill(pass, 1);
        double[] pre = new double[G * H]; // each gate's pre-activation after clip, for the derivatives
        List<Activation> fn = spec.activations(d); // RNN f; LSTM f, g, h; GRU f, g (ONNX's, or the cell's own)
        switch (spec.cell()) {
            case RNN_TANH, RNN_RELU -> {
                for (int j = 0; j < H; j++) {
                    double a = clip(ax[j] + ah[j], pass, pre, j);
                    h[j] = fn.get(0).apply(a);
                    act[j] = h[j];
                }
            }
            case LSTM -> {
                c = new double[H];
                for (int j = 0; j < H; j++) {
                    // Peepholes: i and f also see c_{t−1}, o sees c_t (ONNX's LSTM equations).
                    double pi = peep == null ? 0 : peep[j] * cPrev[j];
                    double pf = peep == null ? 0 : peep[H + j] * cPrev[j];
                    double i = fn.get(0).apply(clip(ax[j] + ah[j] + pi, pass, pre, j));
                    // input_forget couples the gates: f = 1 − i, the forget gate's own weights unused.
                    double f = spec.inputForget() ? 1 - i
                            : fn.get(0).apply(clip(ax[H + j] + ah[H + j] + pf, pass, pre, H + j));
                    double g = fn.get(1).apply(clip(ax[2 * H + j] + ah[2 * H + j], pass, pre, 2 * H + j));
                    c[j] = f * cPrev[j] + i * g;
                    if (spec.cellClip() > 0) {
                        // cuDNN's cell clipping: the clamped c_t is the state from here on.
                        c[j] = Math.max(-spec.cellClip(), Math.min(spec.cellClip(), c[j]));
                    }
                    double po = peep == null ? 0 : peep[2 * H + j] * c[j];
                    double o = fn.get(0).apply(clip(ax[3 * H + j] + ah[3 * H + j] + po, pass, pre,
                            3 * H + j));
                    h[j] = o * fn.get(2).apply(c[j]);
                    act[j] = i;
                    act[H + j] = f;
                    act[2 * H + j] = g;
                    act[3 * H + j] = o;
                }
                if (spec.projectionSize() > 0) {
                    // PyTorch's proj_size: the state is W_hr (o ⊙ tanh(c_t)), of P features.
                    double[] whr = w(ParameterKind.PROJECTION, l, d);
                    m = h;
                    h = new double[S];
                    for (int p = 0; p < S; p++) {
                        for (int j = 0; j < H; j++) {
                            h[p] += whr[p * H + j] * m[j];
                        }
                    }
                }
            }
            case GRU -> {
                if (spec.linearAfterReset()) {
                    // The original GRU: r gates h before W_hn, n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn).
                    rh = new double[H];
                    double[] r = new double[H];
                    double[] z = new double[H];
                    for (int j = 0; j < H; j++) {
                        r[j] = fn.get(0).apply(clip(ax[j] + ah[j], pass, pre, j));
                        z[j] = fn.get(0).apply(clip(ax[H + j] + ah[H + j], pass, pre, H + j));
                        rh[j] = r[j] * hPrev[j];
                    }
                    for (int j = 0; j < H; j++) {
                        double an = bhh == null ? 0 : bhh[2 * H + j];
                        for (int k = 0; k < H; k++) {
                            an += whh[(2 * H + j) * H + k] * rh[k];
                        }
                        double n = fn.get(1).apply(clip(ax[2 * H + j] + an, pass, pre, 2 * H + j));
                        h[j] = (1 - z[j]) * n + z[j] * hPrev[j];
                        act[j] = r[j];
                        act[H + j] = z[j];
                        act[2 * H + j] = n;
                    }
                    break;
                }
                hn = new double[H];
                for (int j = 0; j < H; j++) {
                    double r = fn.get(0).apply(clip(ax[j] + ah[j], pass, pre, j));
                    double z = fn.get(0).apply(clip(ax[H + j] + ah[H + j], pass, pre, H + j));
                    hn[j] = ah[2 * H + j];
                    double n = fn.get(1).apply(clip(ax[2 * H + j] + r * hn[j], pass, pre, 2 * H + j));
                    h[j] = (1 - z) * n + z * hPrev[j];
                    act[j] = r;
                    act[H + j] = z;
                    act[2 * H + j] = n;
                }
            }
        }
        return new StepCache(x, hPrev, cPrev, act, hn, rh, c, m, h, pass, pre);
    }

    /**
     * ONNX's clip of a gate pre-activation; records in {@code pass[q]} whether it went through unclamped and in
     * {@code pre[q]} the value it passes on (what the activation's derivative is taken at).
     */
    private double clip(double v, double[] pass, double[] pre, int q) {
        double limit = spec.clip();
        if (limit <= 0 || !(Math.abs(v) > limit)) {
            pre[q] = v;
            return v; // within bounds (NaN goes through, as from every other operation)
        }
        pass[q] = 0;
        pre[q] = Math.copySign(limit, v);
        return pre[q];
    }

    /**
     * Backpropagates through a forward result. {@code dOutput [T, B, H·D]} (values past a sequence's length are
     * ignored), {@code dHn}, {@code dCn} {@code [L·D, B, H]}; any may be null for zero.
     */
    public Gradients backward(Result fwd, double[] dOutput, double[] dHn, double[] dCn) {
        int H = spec.hiddenSize();
        int S = spec.stateSize();
        int G = spec.cell().gates();
        int D = spec.directions();
        int L = spec.layers();
        int batch = fwd.batch();
        double[] dInput = new double[fwd.steps() * batch * spec.inputSize()];
        double[] dH0 = new double[L * D * batch * S];
        double[] dC0 = spec.cell().hasCellState() ? new double[L * D * batch * H] : null;
        double[][] dParams = new double[parameters.size()][];
        for (int p = 0; p < dParams.length; p++) {
            dParams[p] = new double[parameters.get(p).size()];
        }
        for (int b = 0; b < batch; b++) {
            int len = fwd.lengths()[b];
            double[][] dOut = new double[len][spec.outputSize()];
            for (int t = 0; t < len && dOutput != null; t++) {
                System.arraycopy(dOutput, (t * batch + b) * spec.outputSize(), dOut[t], 0, spec.outputSize());
            }
            for (int l = L - 1; l >= 0; l--) {
                int I = spec.layerInputSize(l);
                double[][] dIn = new double[len][I];
                for (int d = 0; d < D; d++) {
                    int sl = l * D + d;
                    double[] wih = w(ParameterKind.WEIGHT_IH, l, d);
                    double[] whh = w(ParameterKind.WEIGHT_HH, l, d);
                    double[] dWih = dParams[index(ParameterKind.WEIGHT_IH, l, d)];
                    double[] dWhh = dParams[index(ParameterKind.WEIGHT_HH, l, d)];
                    double[] dBih = spec.bias() ? dParams[index(ParameterKind.BIAS_IH, l, d)] : null;
                    double[] dBhh = spec.bias() ? dParams[index(ParameterKind.BIAS_HH, l, d)] : null;
                    double[] peep = w(ParameterKind.PEEPHOLE, l, d);
                    double[] dPeep = peep == null ? null : dParams[index(ParameterKind.PEEPHOLE, l, d)];
                    double[] whr = w(ParameterKind.PROJECTION, l, d);
                    double[] dWhr = whr == null ? null : dParams[index(ParameterKind.PROJECTION, l, d)];
                    List<Activation> fn = spec.activations(d);
                    double[] dh = slice(dHn, (sl * batch + b) * S, S);
                    double[] dc = slice(dCn, (sl * batch + b) * H, H);
                    for (int p = len - 1; p >= 0; p--) {
                        int t = d == 0 ? p : len - 1 - p;
                        StepCache sc = fwd.cache()[b][l][d][p];
                        double[] dhTotal = new double[S];
                        for (int j = 0; j < S; j++) {
                            dhTotal[j] = dh[j] + dOut[t][d * S + j];
                        }
                        if (whr != null) {
                            // h_t = W_hr m_t: from here on dhTotal is the gradient of m_t = o ⊙ tanh(c_t).
                            double[] dm = new double[H];
                            for (int q = 0; q < S; q++) {
                                for (int j = 0; j < H; j++) {
                                    dm[j] += whr[q * H + j] * dhTotal[q];
                                    dWhr[q * H + j] += dhTotal[q] * sc.m[j];
                                }
                            }
                            dhTotal = dm;
                        }
                        double[] dax = new double[G * H]; // d loss / d(W_ih x + b_ih)
                        double[] dah = new double[G * H]; // d loss / d(W_hh h + b_hh)
                        double[] dhPrev = new double[S];
                        double[] dcPrev = dc;
                        switch (spec.cell()) {
                            case RNN_TANH, RNN_RELU -> {
                                for (int j = 0; j < H; j++) {
                                    double h = sc.h[j];
                                    double da = dhTotal[j] * fn.get(0).derivative(sc.pre[j]) * sc.pass[j];
                                    dax[j] = da;
                                    dah[j] = da;
                                }
                            }
                            case LSTM -> {
                                dcPrev = new double[H];
                                for (int j = 0; j < H; j++) {
                                    double i = sc.act[j];
                                    double f = sc.act[H + j];
                                    double g = sc.act[2 * H + j];
                                    double o = sc.act[3 * H + j];
                                    double tc = fn.get(2).apply(sc.c[j]);
                                    double dO = dhTotal[j] * tc * fn.get(0).derivative(sc.pre[3 * H + j])
                                            * sc.pass[3 * H + j];
                                    // c_t reaches the loss through h (via tanh), the next step, and o's peephole.
                                    double dcj = dc[j] + dhTotal[j] * o * fn.get(2).derivative(sc.c[j])
                                            + (peep == null ? 0 : dO * peep[2 * H + j]);
                                    if (spec.cellClip() > 0 && Math.abs(sc.c[j]) >= spec.cellClip()) {
                                        dcj = 0; // c_t was clamped: nothing flows back into f·c_{t−1} + i·g
                                    }
                                    // With input_forget, c_t = (1 − i)·c_{t−1} + i·g: i also acts through f.
                                    dax[j] = dcj * (spec.inputForget() ? g - sc.cPrev[j] : g) * fn.get(0).derivative(sc.pre[j]) * sc.pass[j];
                                    dax[H + j] = spec.inputForget() ? 0
                                            : dcj * sc.cPrev[j] * fn.get(0).derivative(sc.pre[H + j]) * sc.pass[H + j];
                                    dax[2 * H + j] = dcj * i * fn.get(1).derivative(sc.pre[2 * H + j]) * sc.pass[2 * H + j];
                                    dax[3 * H + j] = dO;
                                    dcPrev[j] = dcj * f;
                                    if (peep != null) {
                                        // c_{t−1} also reached i and f through their peepholes.
                                        dcPrev[j] += dax[j] * peep[j] + dax[H + j] * peep[H + j];
                                        dPeep[j] += dax[j] * sc.cPrev[j];
                                        dPeep[H + j] += dax[H + j] * sc.cPrev[j];
                                        dPeep[2 * H + j] += dO * sc.c[j];
                                    }
                                }
                                System.arraycopy(dax, 0, dah, 0, G * H);
                            }
                            case GRU -> {
                                if (spec.linearAfterReset()) {
                                    double[] dn = new double[H];
                                    for (int j = 0; j < H; j++) {
                                        double z = sc.act[H + j];
                                        double n = sc.act[2 * H + j];
                                        dn[j] = dhTotal[j] * (1 - z) * fn.get(1).derivative(sc.pre[2 * H + j]) * sc.pass[2 * H + j];
                                        dax[H + j] = dhTotal[j] * (sc.hPrev[j] - n) * fn.get(0).derivative(sc.pre[H + j])
                                                * sc.pass[H + j];
                                        dax[2 * H + j] = dn[j];
                                        dhPrev[j] = dhTotal[j] * z;
                                    }
                                    for (int k = 0; k < H; k++) {
                                        // d(r ⊙ h)_k, then its paths into r_k and h_k.
                                        double drh = 0;
                                        for (int j = 0; j < H; j++) {
                                            drh += whh[(2 * H + j) * H + k] * dn[j];
                                        }
                                        double r = sc.act[k];
                                        dax[k] = drh * sc.hPrev[k] * fn.get(0).derivative(sc.pre[k]) * sc.pass[k];
                                        dhPrev[k] += drh * r;
                                    }
                                    System.arraycopy(dax, 0, dah, 0, G * H);
                                    break;
                                }
                                for (int j = 0; j < H; j++) {
                                    double r = sc.act[j];
                                    double z = sc.act[H + j];
                                    double n = sc.act[2 * H + j];
                                    double dn = dhTotal[j] * (1 - z) * fn.get(1).derivative(sc.pre[2 * H + j]) * sc.pass[2 * H + j];
                                    double dr = dn * sc.hn[j] * fn.get(0).derivative(sc.pre[j]) * sc.pass[j];
                                    double dz = dhTotal[j] * (sc.hPrev[j] - n) * fn.get(0).derivative(sc.pre[H + j]) * sc.pass[H + j];
                                    dax[j] = dr;
                                    dax[H + j] = dz;
                                    dax[2 * H + j] = dn;
                                    dah[j] = dr;
                                    dah[H + j] = dz;
                                    dah[2 * H + j] = dn * r;
                                    dhPrev[j] = dhTotal[j] * z;
                                }
                            }
                        }
                        for (int r = 0; r < G * H; r++) {
                            for (int k = 0; k < I; k++) {
                                dWih[r * I + k] += dax[r] * sc.x[k];
                                dIn[t][k] += wih[r * I + k] * dax[r];
                            }
                            if (sc.rh != null && r >= 2 * H) {
                                // Original GRU: W_hn saw r ⊙ h, whose gradient went to h above.
                                for (int k = 0; k < H; k++) {
                                    dWhh[r * H + k] += dah[r] * sc.rh[k];
                                }
                            } else {
                                for (int k = 0; k < S; k++) {
                                    dWhh[r * S + k] += dah[r] * sc.hPrev[k];
                                    dhPrev[k] += whh[r * S + k] * dah[r];
                                }
                            }
                            if (dBih != null) {
                                dBih[r] += dax[r];
                                dBhh[r] += dah[r];
                            }
                        }
                        dh = dhPrev;
                        dc = dcPrev;
                    }
                    System.arraycopy(dh, 0, dH0, (sl * batch + b) * S, S);
                    if (dC0 != null) {
                        System.arraycopy(dc, 0, dC0, (sl * batch + b) * H, H);
                    }
                }
                dOut = dIn;
            }
            for (int t = 0; t < len; t++) {
                System.arraycopy(dOut[t], 0, dInput, (t * batch + b) * spec.inputSize(), spec.inputSize());
            }
        }
        return new Gradients(dInput, dH0, dC0, dParams);
    }

    private int index(ParameterKind kind, int layer, int dir) {
        String name = Parameter.nameOf(kind, layer, dir);
        for (int p = 0; p < parameters.size(); p++) {
            if (parameters.get(p).name().equals(name)) {
                return p;
            }
        }
        throw new IllegalStateException("no parameter " + name);
    }
}
