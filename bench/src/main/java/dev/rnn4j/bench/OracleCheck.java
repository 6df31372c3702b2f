package dev.rnn4j.bench;

import dev.rnn4j.Backend;
import dev.rnn4j.LayerGradients;
import dev.rnn4j.LayerOptions;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.Parameter;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.WeightPrecision;
import dev.rnn4j.internal.reference.ReferenceRnn;
import java.util.Random;

/**
 * One pass on a backend checked against the double-precision oracle ({@link ReferenceRnn}): outputs and final
 * states, and for training every gradient (input, initial states, each weight and bias). The error of a tensor is
 * max |actual − expected| over max |expected|, scale-free, so one threshold serves every tensor.
 *
 * @param maxRelativeError the worst tensor's error
 * @param worstTensor      its name ({@code output}, {@code grad_input}, {@code grad.weight_hh_l0}, ...)
 */
record OracleCheck(double maxRelativeError, String worstTensor) {

    /**
     * Runs {@code spec} on {@code backend} over T = {@code steps}, B = {@code batch} with random weights, inputs,
     * initial states and (when {@code lengths} is given) per-sequence lengths, and compares with the oracle.
     */
    static OracleCheck run(Backend backend, RnnSpec spec, int steps, int batch, int[] lengths, boolean training,
                           long seed) {
        return run(backend, spec, steps, batch, lengths, training, seed, WeightPrecision.FLOAT32);
    }

    /**
     * As above with the layer's weight matrices held to {@code precision} (inference): the oracle then runs on the
     * rounded weights, which is what such a layer computes with.
     */
    static OracleCheck run(Backend backend, RnnSpec spec, int steps, int batch, int[] lengths, boolean training,
                           long seed, WeightPrecision precision) {
        RnnParameters weights = RnnParameters.uniform(spec, seed).roundedTo(precision);
        Random r = new Random(seed + 1);
        int states = spec.hiddenStateFloats(batch);
        int cells = spec.cellStateFloats(batch);
        float[] x = random(r, steps * batch * spec.inputSize());
        float[] h0 = random(r, states);
        float[] c0 = spec.cell().hasCellState() ? random(r, cells) : null;
        float[] dy = random(r, steps * batch * spec.outputSize());
        float[] dh = random(r, states);
        float[] dc = spec.cell().hasCellState() ? random(r, cells) : null;
        RnnInput in = RnnInput.sequenceMajor(x, steps, batch).withInitialState(h0, c0);
        if (lengths != null) {
            in = in.withLengths(lengths);
        }
        ReferenceRnn oracle = ReferenceRnn.of(weights);
        ReferenceRnn.Result f = oracle.forward(ReferenceRnn.widen(x), steps, batch, lengths,
                ReferenceRnn.widen(h0), ReferenceRnn.widen(c0));
        Worst worst = new Worst();
        try (RecurrentLayer layer = RecurrentLayer.create(backend, spec, weights,
                LayerOptions.defaults().withWeightPrecision(precision))) {
            RnnOutput o = training ? layer.forwardTraining(in) : layer.forward(in);
            worst.check("output", f.output(), o.output());
            worst.check("h_n", f.hN(), o.hN());
            worst.check("c_n", f.cN(), o.cN());
            if (training) {
                LayerGradients g = layer.backward(new OutputGradients(dy, dh, dc));
                ReferenceRnn.Gradients e = oracle.backward(f, ReferenceRnn.widen(dy), ReferenceRnn.widen(dh),
                        ReferenceRnn.widen(dc));
                worst.check("grad_input", e.input(), g.inputs().gradInput());
                worst.check("grad_h0", e.h0(), g.inputs().gradH0());
                worst.check("grad_c0", e.c0(), g.inputs().gradC0());
                for (int i = 0; i < weights.parameters().size(); i++) {
                    Parameter p = weights.parameters().get(i);
                    worst.check("grad." + p.name(), e.parameters()[i], g.weights().get(p.name()));
                }
            }
        }
        return new OracleCheck(worst.error, worst.name);
    }

    private static final class Worst {
        double error;
        String name = "";

        void check(String tensor, double[] expected, float[] actual) {
            double e = relativeError(expected, actual);
            if (e > error || (Double.isNaN(e) && !Double.isNaN(error))) {
                error = e;
                name = tensor;
            }
        }
    }

    /** max |a − e| over max |e|; infinite when a value is NaN or missing. */
    static double relativeError(double[] expected, float[] actual) {
        if (expected == null) {
            return 0;
        }
        if (actual == null || actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double scale = 1e-12;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            double d = Math.abs(actual[i] - expected[i]);
            diff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(diff, d);
        }
        return diff / scale;
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }
}
