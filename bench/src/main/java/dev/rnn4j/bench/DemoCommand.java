package dev.rnn4j.bench;

import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.LayerGradients;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.Parameter;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.reference.ReferenceRnn;
import dev.rnn4j.spi.Backend;
import java.io.PrintWriter;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code rnn4j demo}: one forward and backward pass on the selected backend with variable-length sequences,
 * timed, and verified against the double-precision oracle.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run one training step (forward, backward-data, backward-weights) on the selected backend, "
                + "time it, and check every result against the double-precision oracle.",
                "Exits 1 if any value is off by more than --max-error (relative to the largest magnitude of its tensor)."})
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "auto, reference, cpu, opencl[:N], cuda[:N]; default: -Drnn4j.backend, RNN4J_BACKEND, auto.")
    String backend;

    @Option(names = "--cell", defaultValue = "LSTM", description = "RNN_TANH, RNN_RELU, LSTM or GRU (default ${DEFAULT-VALUE}).")
    String cell;

    @Option(names = "--input", defaultValue = "32", description = "Input size I (default ${DEFAULT-VALUE}).")
    int input;

    @Option(names = "--hidden", defaultValue = "64", description = "Hidden size H (default ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--layers", defaultValue = "2", description = "Stacked layers (default ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--bidirectional", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Run both directions (default ${DEFAULT-VALUE}).")
    boolean bidirectional;

    @Option(names = "--batch", defaultValue = "8", description = "Sequences B (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", defaultValue = "20", description = "Padded length T (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--max-error", defaultValue = "1e-4",
            description = "Largest accepted error, relative to each tensor's largest magnitude (default ${DEFAULT-VALUE}).")
    double maxError;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        RnnSpec s = new RnnSpec(CellType.parse(cell), input, hidden, layers, bidirectional, true);
        RnnParameters weights = RnnParameters.uniform(s, 2026);
        Random r = new Random(7);
        float[] x = random(r, steps * batch * input);
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = b == 0 ? steps : 1 + r.nextInt(steps); // unsorted, one full-length
        }
        int states = s.stateLayers() * batch * hidden;
        float[] dy = random(r, steps * batch * s.outputSize());
        float[] dh = random(r, states);
        float[] dc = s.cell().hasCellState() ? random(r, states) : null;
        RnnInput in = RnnInput.sequenceMajor(x, steps, batch).withLengths(lengths);

        try (Backend b = Backends.open(backend); RecurrentLayer layer = RecurrentLayer.create(b, s, weights)) {
            out.printf("demo: %s on backend '%s' (%s)%n", s, b.name(), b.device().name());
            out.printf("      T=%d, B=%d, unsorted lengths %s%n", steps, batch, java.util.Arrays.toString(lengths));
            long t0 = System.nanoTime();
            RnnOutput o = layer.forwardTraining(in);
            long t1 = System.nanoTime();
            LayerGradients g = layer.backward(new OutputGradients(dy, dh, dc));
            long t2 = System.nanoTime();
            out.printf("forward %.2f ms, backward (data + weights) %.2f ms, workspace %d KiB%n",
                    (t1 - t0) / 1e6, (t2 - t1) / 1e6, layer.workspaceBytes() >> 10);

            ReferenceRnn oracle = ReferenceRnn.of(weights);
            ReferenceRnn.Result f = oracle.forward(ReferenceRnn.widen(x), steps, batch, lengths, null, null);
            ReferenceRnn.Gradients e = oracle.backward(f, ReferenceRnn.widen(dy), ReferenceRnn.widen(dh),
                    ReferenceRnn.widen(dc));
            double worst = 0;
            String worstName = "";
            String[] names = {"output", "h_n", "c_n", "grad_input", "grad_h0", "grad_c0"};
            double[][] expected = {f.output(), f.hN(), f.cN(), e.input(), e.h0(), e.c0()};
            float[][] actual = {o.output(), o.hN(), o.cN(), g.inputs().gradInput(), g.inputs().gradH0(),
                    g.inputs().gradC0()};
            for (int i = 0; i < names.length; i++) {
                double err = relativeError(expected[i], actual[i]);
                if (err > worst) {
                    worst = err;
                    worstName = names[i];
                }
            }
            for (int i = 0; i < weights.parameters().size(); i++) {
                Parameter p = weights.parameters().get(i);
                double err = relativeError(e.parameters()[i], g.weights().get(p.name()));
                if (err > worst) {
                    worst = err;
                    worstName = "grad." + p.name();
                }
            }
            boolean ok = worst <= maxError;
            out.printf("verified against the double-precision oracle: max relative error %.3g (%s) %s%n", worst,
                    worstName, ok ? "<= " + maxError + ": OK" : "> " + maxError + ": FAILED");
            out.flush();
            return ok ? 0 : 1;
        }
    }

    /** max |a − e| over max |e|: scale-free, so one threshold serves every tensor. */
    static double relativeError(double[] expected, float[] actual) {
        if (expected == null) {
            return 0;
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
