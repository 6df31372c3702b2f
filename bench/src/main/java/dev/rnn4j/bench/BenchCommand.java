package dev.rnn4j.bench;

import dev.rnn4j.Backends;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.spi.Backend;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code rnn4j bench --rows ...}: times layer rows exactly as {@code ../shared/tools/torch_rnn_bench.py} times
 * PyTorch (warm-up of 0.5 s, samples of at least 20 ms of back-to-back calls, median and minimum of the samples),
 * so the two tables can be compared row by row from one run. The full suite CLI (DeepBench sets, JSON, progress)
 * is issue #4.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time recurrent-layer rows on a backend, measured like the PyTorch peer script.",
                "Rows: MODE:CELL:I:H:B:T[:LAYERS[:BIDIR]]; infer = forward; train = forward + backward-data + "
                        + "backward-weights (the gradient of output.sum(), as the peer script)."})
final class BenchCommand implements Callable<Integer> {
    static final List<String> CPU_ROWS = List.of(
            "infer:LSTM:256:256:1:100", "infer:LSTM:512:512:32:50", "infer:LSTM:1024:1024:64:25",
            "infer:GRU:512:512:32:50", "infer:RNN_TANH:1024:1024:32:50",
            "train:LSTM:256:256:32:50", "train:LSTM:512:512:64:25", "train:GRU:512:512:32:50",
            "train:RNN_TANH:1024:1024:32:50", "train:LSTM:256:256:32:50:2:1");

    @Spec
    CommandSpec spec;

    @Option(names = "--rows", split = ",", paramLabel = "ROW",
            description = "Comma-separated rows (default: the CPU grid of issue #3).")
    List<String> rows = CPU_ROWS;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "auto, reference, cpu, opencl[:N], cuda[:N]; default: -Drnn4j.backend, RNN4J_BACKEND, auto.")
    String backend;

    @Option(names = "--reps", defaultValue = "10", description = "Samples per row (default ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--warmup-ms", defaultValue = "2000",
            description = "Warm-up per row, long enough for the JIT to compile the kernels (default ${DEFAULT-VALUE}).")
    int warmupMs;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<BenchRow> parsed = new ArrayList<>();
        for (String r : rows) {
            parsed.add(BenchRow.parse(r));
        }
        try (Backend b = Backends.open(backend)) {
            out.printf("# rnn4j %s on backend '%s': %s (%s)%n", Rnn4jCommand.version(), b.name(), b.device().name(),
                    b.device().description());
            out.println("| row | ms median | ms min | GFLOP/s |");
            out.println("|---|---|---|---|");
            out.flush();
            for (BenchRow row : parsed) {
                double[] samples = time(b, row);
                double[] sorted = samples.clone();
                Arrays.sort(sorted);
                double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
                out.printf("| %s | %.3f | %.3f | %.1f |%n", row, median * 1e3, sorted[0] * 1e3, row.flops() / median / 1e9);
                out.flush();
            }
        }
        return 0;
    }

    /** Seconds per call, one entry per sample. */
    private double[] time(Backend b, BenchRow row) {
        Random r = new Random(0);
        float[] x = new float[row.steps() * row.batch() * row.spec().inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] ones = new float[row.steps() * row.batch() * row.spec().outputSize()];
        Arrays.fill(ones, 1f);
        RnnInput in = RnnInput.sequenceMajor(x, row.steps(), row.batch());
        OutputGradients up = new OutputGradients(ones, null, null);
        try (RecurrentLayer layer = RecurrentLayer.create(b, row.spec(), RnnParameters.uniform(row.spec(), 0))) {
            Runnable call = row.training() ? () -> {
                layer.forwardTraining(in);
                layer.backwardData(up);
                layer.backwardWeights(false);
            } : () -> layer.forward(in);
            long start = System.nanoTime();
            while (System.nanoTime() - start < warmupMs * 1_000_000L) {
                call.run();
            }
            call.run();
            int n = 1;
            while (true) {
                long s = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    call.run();
                }
                if (System.nanoTime() - s >= 20_000_000L) {
                    break;
                }
                n *= 2;
            }
            double[] samples = new double[reps];
            for (int k = 0; k < reps; k++) {
                long s = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    call.run();
                }
                samples[k] = (System.nanoTime() - s) / 1e9 / n;
            }
            return samples;
        }
    }
}
