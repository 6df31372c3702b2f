package dev.rnn4j.internal.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.CellType;
import dev.rnn4j.CellVariant;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks the oracle's backward pass against central finite differences of its forward pass, in double precision,
 * for every gradient it returns: input, h0, c0 and every weight and bias element. The scalar loss is
 * {@code Σ gy·output + Σ gh·h_n + Σ gc·c_n} with fixed random weights gy, gh, gc.
 */
class ReferenceGradientCheckTest {
    private static final double STEP = 1e-6;
    private static final double ABS = 1e-7;
    private static final double REL = 1e-5;

    /** One problem: spec, shape, lengths (null = all T), whether initial states are nonzero. */
    record Problem(String name, RnnSpec spec, int steps, int batch, int[] lengths, boolean initialState) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> problems() {
        List<Arguments> out = new ArrayList<>();
        for (CellType cell : CellType.values()) {
            out.add(Arguments.of(new Problem(cell + " single layer", new RnnSpec(cell, 3, 4, 1, false, true), 4, 2,
                    null, false)));
            out.add(Arguments.of(new Problem(cell + " 2-layer bidirectional, unsorted lengths, h0/c0",
                    new RnnSpec(cell, 3, 4, 2, true, true), 5, 3, new int[] {3, 5, 1}, true)));
            out.add(Arguments.of(new Problem(cell + " no bias, stacked, lengths, h0/c0",
                    new RnnSpec(cell, 2, 3, 2, false, false), 4, 2, new int[] {2, 4}, true)));
        }
        out.add(Arguments.of(new Problem("LSTM peepholes, 2-layer bidirectional, unsorted lengths, h0/c0",
                new RnnSpec(CellType.LSTM, 3, 4, 2, true, true, new CellVariant(true, false)), 5, 3, new int[] {3, 5, 1}, true)));
        out.add(Arguments.of(new Problem("LSTM input_forget, bidirectional, lengths, h0/c0",
                new RnnSpec(CellType.LSTM, 3, 4, 1, true, true, new CellVariant(false, true)), 5, 3,
                new int[] {3, 5, 1}, true)));
        out.add(Arguments.of(new Problem("LSTM peepholes and input_forget, stacked",
                new RnnSpec(CellType.LSTM, 3, 4, 2, false, true, new CellVariant(true, true)), 4, 2, null, true)));
        for (CellType cell : CellType.values()) {
            // ONNX clip at 0.3: with these weights and inputs many pre-activations are clamped, some are not.
            out.add(Arguments.of(new Problem(cell + " clip 0.3, bidirectional, lengths, h0/c0",
                    new RnnSpec(cell, 3, 4, 1, true, true, CellVariant.clipped(0.3f)), 5, 3, new int[] {3, 5, 1},
                    true)));
        }
        out.add(Arguments.of(new Problem("LSTM cell clip 0.3 (cuDNN), bidirectional, lengths, h0/c0",
                new RnnSpec(CellType.LSTM, 3, 4, 1, true, true, new CellVariant(false, false, 0f, 0.3f)), 5, 3,
                new int[] {3, 5, 1}, true)));
        out.add(Arguments.of(new Problem("LSTM cell clip 0.3 with peepholes and gate clip 0.5",
                new RnnSpec(CellType.LSTM, 3, 4, 1, false, true, new CellVariant(true, false, 0.5f, 0.3f)), 4, 2,
                null, true)));
        out.add(Arguments.of(new Problem("LSTM clip 0.3 with peepholes and input_forget",
                new RnnSpec(CellType.LSTM, 3, 4, 1, false, true, new CellVariant(true, true, 0.3f)), 4, 2, null,
                true)));
        // The original GRU (ONNX linear_before_reset = 0): r gates h before W_hn.
        out.add(Arguments.of(new Problem("GRU original form, 2-layer bidirectional, unsorted lengths, h0",
                new RnnSpec(CellType.GRU, 3, 4, 2, true, true, CellVariant.gruOriginal(0f)), 5, 3,
                new int[] {3, 5, 1}, true)));
        out.add(Arguments.of(new Problem("GRU original form, no bias, stacked",
                new RnnSpec(CellType.GRU, 2, 3, 2, false, false, CellVariant.gruOriginal(0f)), 4, 2, new int[] {2, 4},
                true)));
        out.add(Arguments.of(new Problem("GRU original form, clip 0.3, bidirectional, lengths, h0",
                new RnnSpec(CellType.GRU, 3, 4, 1, true, true, CellVariant.gruOriginal(0.3f)), 5, 3,
                new int[] {3, 5, 1}, true)));
        // PyTorch's proj_size: h = W_hr (o ⊙ tanh(c)), P < H features.
        out.add(Arguments.of(new Problem("LSTM projection P=2, 2-layer bidirectional, unsorted lengths, h0/c0",
                new RnnSpec(CellType.LSTM, 3, 4, 2, true, true, CellVariant.projected(2)), 5, 3,
                new int[] {3, 5, 1}, true)));
        out.add(Arguments.of(new Problem("LSTM projection P=3 with peepholes and cell clip, no bias",
                new RnnSpec(CellType.LSTM, 2, 4, 1, false, false, new CellVariant(true, false, 0f, 0.3f, false, 3)),
                4, 2, new int[] {4, 2}, true)));
        // ONNX's activation lists: every function somewhere, different per direction where bidirectional.
        for (OnnxActivations a : OnnxActivations.all()) {
            out.add(Arguments.of(new Problem(a.name(), a.spec(), 5, 3, new int[] {3, 5, 1}, true)));
        }
        out.add(Arguments.of(new Problem("LSTM peepholes, no bias",
                new RnnSpec(CellType.LSTM, 2, 3, 1, false, false, new CellVariant(true, false)), 4, 2, null, true)));
        return out.stream();
    }

    /** Everything a check needs, built from a problem with a fixed seed. */
    static final class Setup {
        final Problem p;
        final ReferenceRnn rnn;
        final double[] x;
        final double[] h0;
        final double[] c0;
        final double[] gy;
        final double[] gh;
        final double[] gc;

        Setup(Problem p, long seed) {
            this.p = p;
            RnnSpec s = p.spec();
            this.rnn = ReferenceRnn.of(RnnParameters.uniform(s, seed));
            Random r = new Random(seed + 1);
            int states = s.hiddenStateFloats(p.batch());
            int cells = s.cellStateFloats(p.batch());
            x = random(r, p.steps() * p.batch() * s.inputSize());
            h0 = p.initialState() ? random(r, states) : null;
            c0 = p.initialState() && s.cell().hasCellState() ? random(r, cells) : null;
            gy = random(r, p.steps() * p.batch() * s.outputSize());
            gh = random(r, states);
            gc = s.cell().hasCellState() ? random(r, cells) : null;
        }

        double loss() {
            ReferenceRnn.Result f = rnn.forward(x, p.steps(), p.batch(), p.lengths(), h0, c0);
            return dot(gy, f.output()) + dot(gh, f.hN()) + (gc == null ? 0 : dot(gc, f.cN()));
        }

        ReferenceRnn.Gradients analytic() {
            ReferenceRnn.Result f = rnn.forward(x, p.steps(), p.batch(), p.lengths(), h0, c0);
            return rnn.backward(f, gy, gh, gc);
        }
    }

    static double[] random(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble() * 2 - 1;
        }
        return v;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Central difference of the loss with respect to every element of {@code values}, restored after each. */
    static double[] numeric(Setup s, double[] values, double step) {
        double[] g = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            double keep = values[i];
            values[i] = keep + step;
            double plus = s.loss();
            values[i] = keep - step;
            double minus = s.loss();
            values[i] = keep;
            g[i] = (plus - minus) / (2 * step);
        }
        return g;
    }

    /** Null when every element agrees, otherwise a description of the first disagreement. */
    static String mismatch(String what, double[] analytic, double[] numeric) {
        assertEquals(numeric.length, analytic.length, what + " length");
        for (int i = 0; i < analytic.length; i++) {
            double diff = Math.abs(analytic[i] - numeric[i]);
            if (!(diff <= ABS + REL * Math.max(Math.abs(analytic[i]), Math.abs(numeric[i])))) {
                return what + "[" + i + "]: analytic " + analytic[i] + " vs numeric " + numeric[i];
            }
        }
        return null;
    }

    /** All mismatches over every gradient of a setup, with analytic gradients optionally tampered with first. */
    static List<String> check(Setup s, double step, Consumer<ReferenceRnn.Gradients> tamper) {
        ReferenceRnn.Gradients g = s.analytic();
        tamper.accept(g);
        List<String> bad = new ArrayList<>();
        add(bad, mismatch("input", g.input(), numeric(s, s.x, step)));
        if (s.h0 != null) {
            add(bad, mismatch("h0", g.h0(), numeric(s, s.h0, step)));
        }
        if (s.c0 != null) {
            add(bad, mismatch("c0", g.c0(), numeric(s, s.c0, step)));
        }
        List<dev.rnn4j.Parameter> ps = RnnParameters.describe(s.p.spec());
        for (int i = 0; i < ps.size(); i++) {
            add(bad, mismatch(ps.get(i).name(), g.parameters()[i], numeric(s, s.rnn.values()[i], step)));
        }
        return bad;
    }

    private static void add(List<String> bad, String m) {
        if (m != null) {
            bad.add(m);
        }
    }

    /**
     * The clip problems above really clamp: some pre-activations (or, with cell clipping, cell states) pass, some are
     * clamped (else they prove nothing).
     */
    @org.junit.jupiter.api.Test
    void clipProblemsClampSomeGatesAndNotOthers() {
        for (Arguments a : problems().toList()) {
            Problem p = (Problem) a.get()[0];
            if (!p.spec().variant().hasClip() && p.spec().cellClip() == 0) {
                continue;
            }
            Setup s = new Setup(p, 7);
            ReferenceRnn.Result f = s.rnn.forward(s.x, p.steps(), p.batch(), p.lengths(), s.h0, s.c0);
            int passed = 0;
            int clamped = 0;
            for (ReferenceRnn.StepCache[][][] perLayer : f.cache()) {
                for (ReferenceRnn.StepCache[][] perDir : perLayer) {
                    for (ReferenceRnn.StepCache[] steps : perDir) {
                        for (ReferenceRnn.StepCache sc : steps) {
                            if (p.spec().cellClip() > 0) {
                                for (double c : sc.c()) {
                                    if (Math.abs(c) >= p.spec().cellClip()) {
                                        clamped++;
                                    } else {
                                        passed++;
                                    }
                                }
                                continue;
                            }
                            for (double v : sc.pass()) {
                                if (v == 0) {
                                    clamped++;
                                } else {
                                    passed++;
                                }
                            }
                        }
                    }
                }
            }
            org.junit.jupiter.api.Assertions.assertTrue(clamped > 0 && passed > 0,
                    p + ": " + clamped + " clamped, " + passed + " passed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("problems")
    void everyGradientMatchesFiniteDifferences(Problem p) {
        List<String> bad = check(new Setup(p, 7), STEP, g -> { });
        assertTrue(bad.isEmpty(), "gradient mismatches: " + bad);
    }

    @Test
    void checkFailsWhenOneGradientIsPerturbed() {
        Problem p = new Problem("LSTM", new RnnSpec(CellType.LSTM, 3, 4, 2, true, true), 4, 2, new int[] {4, 2}, true);
        Setup s = new Setup(p, 11);
        assertTrue(check(s, STEP, g -> { }).isEmpty(), "untouched gradients must pass");
        // One weight element, one h0 element, one c0 element: each alone must be caught.
        List<String> w = check(s, STEP, g -> g.parameters()[5][3] += 1e-3);
        assertEquals(1, w.size(), "exactly the perturbed tensor fails: " + w);
        assertTrue(w.get(0).startsWith(RnnParameters.describe(p.spec()).get(5).name() + "[3]"), w.get(0));
        assertEquals(1, check(s, STEP, g -> g.h0()[1] -= 1e-4).size());
        assertEquals(1, check(s, STEP, g -> g.c0()[0] *= 1.001).size());
        assertEquals(1, check(s, STEP, g -> g.input()[2] += 1e-4).size());
    }

    @Test
    void checkFailsAtAStepTooSmallToMeasure() {
        // At 1e-13 the loss difference drowns in double rounding: the check must notice rather than pass vacuously.
        Problem p = new Problem("GRU", new RnnSpec(CellType.GRU, 3, 4, 1, false, true), 3, 2, null, false);
        assertTrue(!check(new Setup(p, 3), 1e-13, g -> { }).isEmpty());
    }

    @Test
    void paddedStepsAreIgnored() {
        // Output gradients past a sequence's length must not change any gradient: outputs there are constant zero.
        Problem p = new Problem("LSTM", new RnnSpec(CellType.LSTM, 2, 3, 1, true, true), 4, 2, new int[] {2, 4}, false);
        Setup s = new Setup(p, 5);
        ReferenceRnn.Gradients before = s.analytic();
        int width = p.spec().outputSize();
        for (int t = 2; t < 4; t++) {
            for (int k = 0; k < width; k++) {
                s.gy[(t * 2) * width + k] = 100;
            }
        }
        ReferenceRnn.Gradients after = s.analytic();
        assertEquals(List.of(), java.util.stream.IntStream.range(0, before.input().length)
                .filter(i -> before.input()[i] != after.input()[i]).boxed().toList());
        ReferenceRnn.Result f = s.rnn.forward(s.x, 4, 2, p.lengths(), null, null);
        for (int t = 2; t < 4; t++) {
            for (int k = 0; k < width; k++) {
                assertEquals(0.0, f.output()[(t * 2) * width + k], "padded output is zero");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new ReferenceRnn(p.spec(), new double[1][]));
    }
}
