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
                        + "backward-weights (the gradient of output.sum(), as the peer script).",
                "GEMM rows: gemm:M:N:K[:TA:TB] times C[M×N] = op(A)·op(B), TA/TB = N or T; the B operand is "
                        + "rewritten before every call unless --gemm-keep-b, so it is packed every time as a "
                        + "BLAS packs it."})
final class BenchCommand implements Callable<Integer> {
    static final List<String> CPU_ROWS = List.of(
            "infer:LSTM:256:256:1:100", "infer:LSTM:512:512:32:50", "infer:LSTM:1024:1024:64:25",
            "infer:GRU:512:512:32:50", "infer:RNN_TANH:1024:1024:32:50",
            "train:LSTM:256:256:32:50", "train:LSTM:512:512:64:25", "train:GRU:512:512:32:50",
            "train:RNN_TANH:1024:1024:32:50", "train:LSTM:256:256:32:50:2:1");
    /** The SGEMM grid of issue #3: 1024³ and the recurrent GEMM [B×H]·[H×4H]ᵀ. */
    static final List<String> GEMM_ROWS = List.of(
            "gemm:1024:1024:1024", "gemm:1:1024:256:N:T", "gemm:32:1024:256:N:T", "gemm:64:1024:256:N:T",
            "gemm:1:2048:512:N:T", "gemm:32:2048:512:N:T", "gemm:64:2048:512:N:T",
            "gemm:1:4096:1024:N:T", "gemm:32:4096:1024:N:T", "gemm:64:4096:1024:N:T");

    @Spec
    CommandSpec spec;

    @Option(names = "--rows", split = ",", paramLabel = "ROW",
            description = "Comma-separated rows (default: the CPU grid of issue #3).")
    List<String> rows = CPU_ROWS;

    @Option(names = "--gemm", description = "Time the SGEMM grid of issue #3 instead of the layer rows.")
    boolean gemmGrid;

    @Option(names = "--gemm-keep-b", description = "In GEMM rows, leave B unchanged between calls (as a weight "
            + "matrix is during a sequence), so a backend may reuse its packed copy.")
    boolean keepB;

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
        List<Object> parsed = new ArrayList<>();
        for (String r : gemmGrid ? GEMM_ROWS : rows) {
            parsed.add(r.trim().startsWith("gemm:") ? GemmRow.parse(r) : BenchRow.parse(r));
        }
        try (Backend b = Backends.open(backend)) {
            out.printf("# rnn4j %s on backend '%s': %s (%s)%n", Rnn4jCommand.version(), b.name(), b.device().name(),
                    b.device().description());
            out.println("| row | ms median | ms min | GFLOP/s | train: forward / backward-data / backward-weights ms |");
            out.println("|---|---|---|---|---|");
            out.flush();
            for (Object row : parsed) {
                Samples samples;
                double flops;
                if (row instanceof GemmRow g) {
                    samples = time(g.call(b, keepB), null);
                    flops = g.flops();
                } else {
                    BenchRow r = (BenchRow) row;
                    samples = time(b, r);
                    flops = r.flops();
                }
                double median = median(samples.total);
                String phases = "";
                if (samples.phases != null) {
                    phases = String.format(" | %.3f / %.3f / %.3f", median(samples.phases[0]) * 1e3,
                            median(samples.phases[1]) * 1e3, median(samples.phases[2]) * 1e3);
                }
                out.printf("| %s | %.3f | %.3f | %.1f%s |%n", row, median * 1e3, min(samples.total) * 1e3,
                        flops / median / 1e9, phases);
                out.flush();
            }
        }
        return 0;
    }

    /** Seconds per call, one entry per sample; for training rows also per phase (forward, backward-data, -weights). */
    private record Samples(double[] total, double[][] phases) {
    }

    private static double median(double[] v) {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private Samples time(Backend b, BenchRow row) {
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
            if (!row.training()) {
                return time(() -> layer.forward(in), null);
            }
            long[] phaseNanos = new long[3];
            Runnable call = () -> {
                long t0 = System.nanoTime();
                layer.forwardTraining(in);
                long t1 = System.nanoTime();
                layer.backwardData(up);
                long t2 = System.nanoTime();
                layer.backwardWeights(false);
                long t3 = System.nanoTime();
                phaseNanos[0] += t1 - t0;
                phaseNanos[1] += t2 - t1;
                phaseNanos[2] += t3 - t2;
            };
            return time(call, phaseNanos);
        }
    }

    /**
     * Warm-up, then samples of at least 20 ms of back-to-back calls; {@code phaseNanos}, when given, is a set of
     * counters the call adds to, read per sample.
     */
    private Samples time(Runnable call, long[] phaseNanos) {
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
        double[] total = new double[reps];
        double[][] phases = phaseNanos == null ? null : new double[phaseNanos.length][reps];
        for (int k = 0; k < reps; k++) {
            if (phaseNanos != null) {
                Arrays.fill(phaseNanos, 0);
            }
            long s = System.nanoTime();
            for (int i = 0; i < n; i++) {
                call.run();
            }
            total[k] = (System.nanoTime() - s) / 1e9 / n;
            for (int p = 0; phases != null && p < phases.length; p++) {
                phases[p][k] = phaseNanos[p] / 1e9 / n;
            }
        }
        return new Samples(total, phases);
    }
}
