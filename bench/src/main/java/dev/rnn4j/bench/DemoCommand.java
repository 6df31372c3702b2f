package dev.rnn4j.bench;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import java.io.PrintWriter;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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
        Random r = new Random(7);
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = b == 0 ? steps : 1 + r.nextInt(steps); // unsorted, one full-length
        }
        try (Backend b = Backends.open(backend)) {
            out.printf("demo: %s on backend '%s' (%s)%n", s, b.name(), b.device().name());
            out.printf("      T=%d, B=%d, unsorted lengths %s, random h0/c0%n", steps, batch,
                    java.util.Arrays.toString(lengths));
            long t0 = System.nanoTime();
            OracleCheck check = OracleCheck.run(b, s, steps, batch, lengths, true, 2026);
            long t1 = System.nanoTime();
            out.printf("forward + backward on %s and in the double-precision oracle: %.1f ms%n", b.name(),
                    (t1 - t0) / 1e6);
            boolean ok = check.maxRelativeError() <= maxError;
            out.printf("verified against the double-precision oracle: max relative error %.3g (%s) %s%n",
                    check.maxRelativeError(), check.worstTensor(),
                    ok ? "<= " + maxError + ": OK" : "> " + maxError + ": FAILED");
            out.flush();
            return ok ? 0 : 1;
        }
    }
}
