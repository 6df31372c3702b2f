package dev.rnn4j.onnx;

import dev.rnn4j.Activation;
import dev.rnn4j.Backend;
import dev.rnn4j.CellType;
import dev.rnn4j.CellVariant;
import dev.rnn4j.ParameterKind;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * One ONNX {@code RNN}, {@code LSTM} or {@code GRU} node as an rnn4j layer, with the operator's semantics (opset 14):
 * weights {@code W [D, G·H, I]}, {@code R [D, G·H, H]}, {@code B [D, 2·G·H]} and {@code P [D, 3·H]} in ONNX's gate
 * orders (LSTM i, o, f, c; GRU z, r, h; P p_i, p_o, p_f), converted once to rnn4j's (i, f, g, o; r, z, n;
 * p_i, p_f, p_o); attributes {@code direction}, {@code hidden_size}, {@code layout}, {@code clip},
 * {@code activations}, {@code activation_alpha}, {@code activation_beta}, {@code input_forget} (LSTM) and
 * {@code linear_before_reset} (GRU). {@link #run} takes {@code X, sequence_lens, initial_h, initial_c} and gives
 * {@code Y, Y_h, Y_c}.
 *
 * <p>What rnn4j does not accept is refused with the reason, never approximated: an unknown attribute, a
 * {@code sequence_lens} of 0 (rnn4j's sequences have at least one step), a {@code clip} that is not positive.
 */
public final class OnnxRecurrentNode {
    private static final Set<String> COMMON = Set.of("activation_alpha", "activation_beta", "activations", "clip",
            "direction", "hidden_size", "layout");

    private final String description;
    private final boolean reverseOnly;
    private final int layout;
    private final int directions;
    private final int inputSize;
    private final RnnSpec spec;
    private final RnnParameters weights;

    private OnnxRecurrentNode(String description, boolean reverseOnly, int layout, RnnSpec spec,
                              RnnParameters weights) {
        this.description = description;
        this.reverseOnly = reverseOnly;
        this.layout = layout;
        this.spec = spec;
        this.weights = weights;
        this.directions = spec.directions();
        this.inputSize = spec.inputSize();
    }

    /**
     * Builds the layer of a node.
     *
     * @param description the node's name and op, for messages
     * @param op          {@code RNN}, {@code LSTM} or {@code GRU}
     * @param w           {@code W}; {@code r} {@code R}; {@code b} {@code B} or null; {@code p} {@code P} or null
     * @throws IllegalArgumentException naming the node and what is wrong
     */
    public static OnnxRecurrentNode create(String description, String op, OnnxAttributes a, OnnxTensor w,
                                           OnnxTensor r, OnnxTensor b, OnnxTensor p) {
        try {
            return build(description, op, a, w, r, b, p);
        } catch (IllegalArgumentException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(description) ? e
                    : new IllegalArgumentException(description + ": " + e.getMessage(), e);
        }
    }

    private static OnnxRecurrentNode build(String description, String op, OnnxAttributes a, OnnxTensor w,
                                           OnnxTensor r, OnnxTensor b, OnnxTensor p) {
        CellType cell = switch (op) {
            case "RNN" -> CellType.RNN_TANH;
            case "LSTM" -> CellType.LSTM;
            case "GRU" -> CellType.GRU;
            default -> throw new IllegalArgumentException("not a recurrent operator: " + op);
        };
        for (String name : a.names()) {
            boolean known = COMMON.contains(name) || (cell == CellType.LSTM && name.equals("input_forget"))
                    || (cell == CellType.GRU && name.equals("linear_before_reset"));
            if (!known) {
                throw new IllegalArgumentException("attribute '" + name + "' is not one of " + op + "'s");
            }
        }
        String direction = a.string("direction", "forward");
        int d = switch (direction) {
            case "forward", "reverse" -> 1;
            case "bidirectional" -> 2;
            default -> throw new IllegalArgumentException("direction must be forward, reverse or bidirectional, got '"
                    + direction + "'");
        };
        long layout = a.integer("layout", 0);
        if (layout != 0 && layout != 1) {
            throw new IllegalArgumentException("layout must be 0 or 1, got " + layout);
        }
        int gates = cell.gates();
        if (w == null || r == null) {
            throw new IllegalArgumentException("inputs W and R are required");
        }
        if (w.rank() != 3 || r.rank() != 3 || w.dim(0) != d || r.dim(0) != d || w.dim(1) % gates != 0) {
            throw new IllegalArgumentException("W " + Arrays.toString(w.shape()) + " and R " + Arrays.toString(r.shape())
                    + " must be [num_directions=" + d + ", " + gates + "·hidden_size, input_size] and [" + d + ", "
                    + gates + "·hidden_size, hidden_size]");
        }
        int hidden = Math.toIntExact(w.dim(1) / gates);
        int input = Math.toIntExact(w.dim(2));
        r.requireShape("R", d, (long) gates * hidden, hidden);
        if (a.has("hidden_size") && a.integer("hidden_size", 0) != hidden) {
            throw new IllegalArgumentException("hidden_size = " + a.integer("hidden_size", 0) + " but W and R hold "
                    + hidden);
        }
        if (b != null) {
            b.requireShape("B", d, 2L * gates * hidden);
        }
        if (p != null) {
            if (cell != CellType.LSTM) {
                throw new IllegalArgumentException("input P (peepholes) belongs to LSTM only");
            }
            p.requireShape("P", d, 3L * hidden);
        }
        float clip = 0;
        if (a.has("clip")) {
            clip = a.real("clip", 0);
            if (!(clip > 0) || Float.isInfinite(clip)) {
                throw new IllegalArgumentException("clip must be a finite value > 0, got " + clip);
            }
        }
        boolean inputForget = flag(a, "input_forget", 0);
        boolean linearAfterReset = cell == CellType.GRU && !flag(a, "linear_before_reset", 0);
        List<Activation> activations = List.of();
        if (a.has("activations")) {
            activations = Activation.fromOnnx(a.strings("activations"), a.floats("activation_alpha"),
                    a.floats("activation_beta"));
            int expected = Activation.slots(cell) * d;
            if (activations.size() != expected) {
                throw new IllegalArgumentException("activations lists " + activations.size() + " functions; " + op
                        + " with direction " + direction + " takes " + expected);
            }
            if (cell == CellType.RNN_TANH && activations.stream().allMatch(Activation.RELU::equals)) {
                cell = CellType.RNN_RELU; // the cell with ReLU built in: the fast kernels
                activations = List.of();
            }
        } else if (a.has("activation_alpha") || a.has("activation_beta")) {
            throw new IllegalArgumentException("activation_alpha and activation_beta need activations");
        }
        RnnSpec spec = new RnnSpec(cell, input, hidden, 1, d == 2, b != null,
                new CellVariant(p != null, inputForget, clip, 0f, linearAfterReset, 0, activations));
        RnnParameters weights = RnnParameters.zeros(spec);
        int[] order = switch (cell) {
            case LSTM -> new int[] {0, 2, 3, 1}; // rnn4j i, f, g, o from ONNX i, o, f, c
            case GRU -> new int[] {1, 0, 2};     // rnn4j r, z, n from ONNX z, r, h
            default -> new int[] {0};
        };
        float[] wv = w.floats("W");
        float[] rv = r.floats("R");
        for (int dir = 0; dir < d; dir++) {
            int gh = gates * hidden;
            copyBlocks(wv, (long) dir * gh * input, weights.get(ParameterKind.WEIGHT_IH, 0, dir), order,
                    (long) hidden * input);
            copyBlocks(rv, (long) dir * gh * hidden, weights.get(ParameterKind.WEIGHT_HH, 0, dir), order,
                    (long) hidden * hidden);
            if (b != null) {
                float[] bv = b.floats("B");
                copyBlocks(bv, (long) dir * 2 * gh, weights.get(ParameterKind.BIAS_IH, 0, dir), order, hidden);
                copyBlocks(bv, (long) dir * 2 * gh + gh, weights.get(ParameterKind.BIAS_HH, 0, dir), order, hidden);
            }
            if (p != null) {
                // rnn4j p_i, p_f, p_o from ONNX p_i, p_o, p_f.
                copyBlocks(p.floats("P"), (long) dir * 3 * hidden, weights.get(ParameterKind.PEEPHOLE, 0, dir),
                        new int[] {0, 2, 1}, hidden);
            }
        }
        weights.requireFinite();
        return new OnnxRecurrentNode(description, direction.equals("reverse"), (int) layout, spec, weights);
    }

    private static boolean flag(OnnxAttributes a, String name, long fallback) {
        long v = a.integer(name, fallback);
        if (v != 0 && v != 1) {
            throw new IllegalArgumentException(name + " must be 0 or 1, got " + v);
        }
        return v == 1;
    }

    /** dst block k = src block order[k], blocks of {@code block} floats starting at {@code from}. */
    private static void copyBlocks(float[] src, long from, float[] dst, int[] order, long block) {
        for (int k = 0; k < order.length; k++) {
            System.arraycopy(src, Math.toIntExact(from + order[k] * block), dst, Math.toIntExact(k * block),
                    Math.toIntExact(block));
        }
    }

    /** The rnn4j spec of this node (one layer; bidirectional for direction = bidirectional). */
    public RnnSpec spec() {
        return spec;
    }

    /** Whether the node runs its one direction backwards ({@code direction = reverse}). */
    boolean reverseOnly() {
        return reverseOnly;
    }

    /** The weights in rnn4j's layout and names. */
    public RnnParameters weights() {
        return weights;
    }

    /** A layer for this node on {@code backend}; the caller closes it. */
    public RecurrentLayer open(Backend backend) {
        return RecurrentLayer.create(backend, spec, weights);
    }

    /** The node's outputs; {@code yC} is null unless the node is an LSTM. */
    public record Outputs(OnnxTensor y, OnnxTensor yH, OnnxTensor yC) {
    }

    /**
     * Runs the node on a layer from {@link #open}.
     *
     * @param x        {@code X}: {@code [T, B, I]}, or {@code [B, T, I]} with layout 1
     * @param seqLens  {@code sequence_lens} {@code [B]}, each in 1..T, or null for all T
     * @param initialH {@code initial_h} {@code [D, B, H]} ({@code [B, D, H]} with layout 1), or null for zeros
     * @param initialC {@code initial_c} likewise (LSTM), or null
     */
    public Outputs run(RecurrentLayer layer, OnnxTensor x, OnnxTensor seqLens, OnnxTensor initialH,
                       OnnxTensor initialC) {
        try {
            return compute(layer, x, seqLens, initialH, initialC);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(description + ": " + e.getMessage(), e);
        }
    }

    private Outputs compute(RecurrentLayer layer, OnnxTensor x, OnnxTensor seqLens, OnnxTensor initialH,
                            OnnxTensor initialC) {
        if (x == null) {
            throw new IllegalArgumentException("input X is required");
        }
        if (x.rank() != 3 || x.dim(2) != inputSize) {
            throw new IllegalArgumentException("X has shape " + Arrays.toString(x.shape()) + "; expected "
                    + (layout == 0 ? "[seq_length, batch_size, " : "[batch_size, seq_length, ") + inputSize + "]");
        }
        int steps = Math.toIntExact(layout == 0 ? x.dim(0) : x.dim(1));
        int batch = Math.toIntExact(layout == 0 ? x.dim(1) : x.dim(0));
        if (steps < 1 || batch < 1) {
            throw new IllegalArgumentException("X has shape " + Arrays.toString(x.shape())
                    + "; rnn4j needs at least one step and one sequence");
        }
        int hidden = spec.hiddenSize();
        int[] lengths = lengths(seqLens, steps, batch);
        // Everything below is sequence-major [T, B, ·] and states [D, B, H], rnn4j's own layout.
        float[] xs = layout == 0 ? x.floats("X") : swapFirstTwo(x.floats("X"), batch, steps, inputSize);
        if (reverseOnly) {
            xs = reverseWithinLengths(xs, lengths, steps, batch, inputSize);
        }
        float[] h0 = state("initial_h", initialH, batch, hidden);
        float[] c0 = null;
        if (initialC != null) {
            if (spec.cell() != CellType.LSTM) {
                throw new IllegalArgumentException("initial_c belongs to LSTM only");
            }
            c0 = state("initial_c", initialC, batch, hidden);
        }
        RnnOutput out = layer.forward(RnnInput.sequenceMajor(xs, steps, batch).withLengths(lengths)
                .withInitialState(h0, c0));
        float[] ys = out.output();
        int width = directions * hidden;
        if (reverseOnly) {
            ys = reverseWithinLengths(ys, lengths, steps, batch, width);
        }
        // Y: [T, D, B, H] (layout 0) or [B, T, D, H] (layout 1) from rnn4j's [T, B, D·H].
        float[] y = new float[ys.length];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                for (int d = 0; d < directions; d++) {
                    int src = (t * batch + b) * width + d * hidden;
                    int dst = layout == 0 ? ((t * directions + d) * batch + b) * hidden
                            : ((b * steps + t) * directions + d) * hidden;
                    System.arraycopy(ys, src, y, dst, hidden);
                }
            }
        }
        OnnxTensor yT = layout == 0 ? OnnxTensor.ofFloats(y, steps, directions, batch, hidden)
                : OnnxTensor.ofFloats(y, batch, steps, directions, hidden);
        OnnxTensor yh = stateOut(out.hN(), batch, hidden);
        OnnxTensor yc = spec.cell() == CellType.LSTM ? stateOut(out.cN(), batch, hidden) : null;
        return new Outputs(yT, yh, yc);
    }

    private static int[] lengths(OnnxTensor seqLens, int steps, int batch) {
        if (seqLens == null) {
            return null;
        }
        seqLens.requireShape("sequence_lens", batch);
        long[] v = seqLens.ints("sequence_lens");
        int[] out = new int[batch];
        for (int b = 0; b < batch; b++) {
            if (v[b] < 1 || v[b] > steps) {
                throw new IllegalArgumentException("sequence_lens[" + b + "] = " + v[b] + " is out of range 1.." + steps
                        + (v[b] == 0 ? " (rnn4j needs every sequence to have at least one step)" : ""));
            }
            out[b] = (int) v[b];
        }
        return out;
    }

    /** A state input in rnn4j's [D, B, H]. */
    private float[] state(String what, OnnxTensor s, int batch, int hidden) {
        if (s == null) {
            return null;
        }
        if (layout == 0) {
            return s.requireShape(what, directions, batch, hidden).floats(what);
        }
        return swapFirstTwo(s.requireShape(what, batch, directions, hidden).floats(what), batch, directions, hidden);
    }

    /** A state output in the node's layout, from rnn4j's [D, B, H]. */
    private OnnxTensor stateOut(float[] s, int batch, int hidden) {
        if (layout == 0) {
            return OnnxTensor.ofFloats(s, directions, batch, hidden);
        }
        return OnnxTensor.ofFloats(swapFirstTwo(s, directions, batch, hidden), batch, directions, hidden);
    }

    /** [n0, n1, w] to [n1, n0, w]. */
    private static float[] swapFirstTwo(float[] v, int n0, int n1, int w) {
        float[] out = new float[v.length];
        for (int i = 0; i < n0; i++) {
            for (int j = 0; j < n1; j++) {
                System.arraycopy(v, (i * n1 + j) * w, out, (j * n0 + i) * w, w);
            }
        }
        return out;
    }

    /** Each sequence's first lengths[b] steps in reverse order (padded steps zero), [T, B, w]. */
    private static float[] reverseWithinLengths(float[] v, int[] lengths, int steps, int batch, int w) {
        float[] out = new float[v.length];
        for (int b = 0; b < batch; b++) {
            int len = lengths == null ? steps : lengths[b];
            for (int t = 0; t < len; t++) {
                System.arraycopy(v, ((len - 1 - t) * batch + b) * w, out, (t * batch + b) * w, w);
            }
        }
        return out;
    }
}
