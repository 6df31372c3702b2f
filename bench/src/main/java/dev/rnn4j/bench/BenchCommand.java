package dev.rnn4j.bench;

import dev.rnn4j.BuildInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rnn4j.Activation;
import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.BackendSelector;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.CellVariant;
import dev.rnn4j.DeviceInfo;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.WeightPrecision;
import dev.rnn4j.spi.Availability;
import dev.rnn4j.spi.BackendProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code rnn4j bench}, the main job: a suite of recurrent-layer rows (DeepBench's problem sets, a quick one, or rows
 * given on the command line) timed on one backend or on all of them, optionally verified against the
 * double-precision oracle, written as a table and as JSON and CSV. With {@code --gemm}, SGEMM rows instead.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time recurrent-layer rows on a backend: forward, backward-data and backward-weights (DeepBench's "
                + "three figures) and their total, GFLOP/s by the GEMM count, the fraction of the backend's measured "
                + "SGEMM rate, and the memory a row plans (workspace and reserve).",
                "Rows come from a suite (--suite), from --rows, or from one custom row (--cell ... --mode).",
                "Exit status: 0 when every row ran (or was skipped for lack of memory) and verified; 1 when a row "
                        + "failed or its verification did; 2 for usage errors."},
        footerHeading = "%nExamples:%n",
        footer = {"  rnn4j bench                                  quick suite on the auto-selected backend",
                "  rnn4j bench --suite deepbench-train --backend all --json train.json",
                "  rnn4j bench --cell lstm --hidden 512 --batch 64 --steps 25 --mode train --verify",
                "  rnn4j bench --rows train:LSTM:256:256:32:50:2:1,infer:GRU:512:512:32:50   (the PyTorch peer's "
                        + "syntax)",
                "  rnn4j bench --gemm                           SGEMM grid, to compare with bench/peer/torch_mm_bench.py"})
final class BenchCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(BenchCommand.class);

    /** The SGEMM grid: 1024³ and the recurrent GEMM [B×H]·[H×4H]ᵀ. */
    static final List<String> GEMM_ROWS = List.of(
            "gemm:1024:1024:1024", "gemm:1:1024:256:N:T", "gemm:32:1024:256:N:T", "gemm:64:1024:256:N:T",
            "gemm:1:2048:512:N:T", "gemm:32:2048:512:N:T", "gemm:64:2048:512:N:T",
            "gemm:1:4096:1024:N:T", "gemm:32:4096:1024:N:T", "gemm:64:4096:1024:N:T");

    /** Largest forward GEMM flop count verified as is; larger rows are verified on a shrunken copy. */
    static final double VERIFY_FULL_FLOPS = 2e7;

    @Spec
    CommandSpec spec;

    @Option(names = "--suite", defaultValue = Suites.QUICK, paramLabel = "NAME",
            description = "quick (default; under a minute on a 2-core laptop), deepbench-train (53 rows), "
                    + "deepbench-inference (69 rows), deepbench-device (3 rows), or pytorch-peer (the 10 rows "
                    + "bench/peer/rnn_ratios.py compares with PyTorch by default).")
    String suite;

    @Option(names = "--rows", split = ",", paramLabel = "ROW",
            description = "Rows instead of a suite, in the PyTorch peer script's syntax "
                    + "MODE:CELL:I:H:B:T[:LAYERS[:BIDIR]], MODE infer or train; or gemm:M:N:K[:TA:TB] rows.")
    List<String> rows;

    @Option(names = "--cell", paramLabel = "CELL",
            description = "One custom row instead of a suite: lstm, gru, rnn_tanh or rnn_relu (needs --hidden, --batch, "
                    + "--steps).")
    String cell;

    @Option(names = "--input", paramLabel = "I", description = "Custom row: input size (default: the hidden size).")
    Integer input;

    @Option(names = "--hidden", paramLabel = "H", description = "Custom row: hidden size.")
    Integer hidden;

    @Option(names = "--batch", paramLabel = "B", description = "Custom row: batch size.")
    Integer batch;

    @Option(names = "--steps", paramLabel = "T", description = "Custom row: time steps.")
    Integer steps;

    @Option(names = "--layers", paramLabel = "L", defaultValue = "1",
            description = "Custom row: stacked layers (default ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--bidirectional", description = "Custom row: both directions.")
    boolean bidirectional;

    @Option(names = "--peepholes", description = "Custom row: LSTM peepholes (ONNX's P).")
    boolean peepholes;

    @Option(names = "--input-forget", description = "Custom row: LSTM input_forget coupling, f = 1 - i (ONNX).")
    boolean inputForget;

    @Option(names = "--clip", paramLabel = "C", defaultValue = "0",
            description = "Custom row: ONNX clip of the gate pre-activations (default 0: none).")
    float clip;

    @Option(names = "--cell-clip", paramLabel = "C", defaultValue = "0",
            description = "Custom row: LSTM cell-state clipping as cuDNN (default 0: none).")
    float cellClip;

    @Option(names = "--gru-original", description = "Custom row: the original GRU, reset before W_hn (ONNX "
            + "linear_before_reset = 0).")
    boolean gruOriginal;

    @Option(names = "--proj-size", paramLabel = "P", defaultValue = "0",
            description = "Custom row: LSTM projection of the hidden state to P < H features (PyTorch's proj_size; "
                    + "default 0: none).")
    int projSize;

    @Option(names = "--activations", paramLabel = "NAMES", split = ",",
            description = "Custom row: ONNX activation list, e.g. HardSigmoid,Tanh,Softsign (per direction, or both "
                    + "directions' worth when bidirectional).")
    List<String> activations;

    @Option(names = "--activation-alpha", paramLabel = "A", split = ",",
            description = "Custom row: ONNX activation_alpha, consumed in order by the functions taking one.")
    float[] activationAlpha;

    @Option(names = "--activation-beta", paramLabel = "B", split = ",",
            description = "Custom row: ONNX activation_beta, consumed likewise.")
    float[] activationBeta;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "train",
            description = "Custom row: train (forward, backward-data, backward-weights) or infer (forward); "
                    + "default ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--weights", paramLabel = "PRECISION", defaultValue = "float32", split = ",",
            converter = WeightPrecisionConverter.class,
            description = "Weight matrices in float32 (default), bfloat16 or int8, or several (float32,bfloat16,int8): "
                    + "each row is then timed with each in turn, back to back. The 'vs fp32' column says how far the "
                    + "outputs moved. Training rows run with float32 only; with --gemm, a reduced precision applies to "
                    + "rows whose B is transposed (a weight), kept between calls.")
    List<WeightPrecision> weights;

    /** Parses --weights with the library's own names and message. */
    static final class WeightPrecisionConverter implements CommandLine.ITypeConverter<WeightPrecision> {
        @Override
        public WeightPrecision convert(String value) {
            try {
                return WeightPrecision.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Option(names = "--filter", paramLabel = "REGEX",
            description = "Keep only rows whose name (e.g. train:LSTM:512:512:64:25) contains a match.")
    String filter;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "auto, reference, cpu, opencl[:N], cuda[:N], or all (every available backend, side by side); "
                    + "default: -Drnn4j.backend, RNN4J_BACKEND, auto.")
    String backend;

    @Option(names = "--warmup-ms", defaultValue = "2000", paramLabel = "MS",
            description = "Warm-up per row, at least one call; the JIT needs about this long to compile the kernels a "
                    + "row uses first (default ${DEFAULT-VALUE}).")
    long warmupMs;

    @Option(names = "--reps", defaultValue = "10", paramLabel = "N",
            description = "Samples per row; medians and spread are over these (default ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--min-sample-ms", defaultValue = "20", paramLabel = "MS",
            description = "A sample repeats the call until it lasts this long (default ${DEFAULT-VALUE}).")
    long minSampleMs;

    @Option(names = "--verify", description = "Check each row against the double-precision oracle (on a shrunken "
            + "copy of rows too large for it) and report the max relative error; a failed check exits 1.")
    boolean verify;

    @Option(names = "--max-error", defaultValue = "1e-4", paramLabel = "E",
            description = "--verify: largest accepted error, relative to each tensor's largest magnitude "
                    + "(default ${DEFAULT-VALUE}).")
    double maxError;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the results as JSON (- for standard output, "
            + "the tables then going to the error stream; schema: "
            + BenchReport.SCHEMA + ", a JSON Schema in bench/src/main/resources/dev/rnn4j/bench/result-schema.json; "
            + "GEMM rows: " + GEMM_SCHEMA + ", rows of row, ms_median, ms_min and gflops).")
    Path json;

    @Option(names = "--chart", paramLabel = "FILE.png", description = "Draw the rows as a PNG: each row's time per "
            + "call and its GFLOP/s, the backends side by side (with --backend all).")
    Path chart;

    @Option(names = "--csv", paramLabel = "FILE", description = "Write the results as CSV, one line per row and "
            + "backend (- for standard output, the tables then going to the error stream).")
    Path csv;

    @Option(names = "--reference-max-gflop", defaultValue = "1", paramLabel = "G",
            description = "With --backend all: the reference backend (plain loops, about 1-3 GFLOP/s) runs only rows "
                    + "of at most this many GFLOP per call; it is skipped, with that reason, on the others "
                    + "(default ${DEFAULT-VALUE}).")
    double referenceMaxGflop;

    @Option(names = "--no-peak", description = "Do not measure each backend's SGEMM rate (no 'of peak' column).")
    boolean noPeak;

    @Option(names = "--no-progress", description = "No progress bar on the error stream.")
    boolean noProgress;

    @Option(names = "--gemm", description = "Time the SGEMM grid (1024³ and the recurrent GEMMs [B×H]·[H×4H]ᵀ) instead of layer rows.")
    boolean gemmGrid;

    @Option(names = "--gemm-keep-b", description = "GEMM rows: leave B unchanged between calls (as a weight matrix is "
            + "during a sequence), so a backend may reuse its packed copy.")
    boolean keepB;

    /** The JSON that GEMM rows write. */
    static final String GEMM_SCHEMA = "rnn4j-gemm-bench/1";

    @Override
    public Integer call() {
        validate();
        if (json != null) {
            CommandFiles.output(json, "--json");
        }
        if (csv != null) {
            CommandFiles.output(csv, "--csv");
        }
        if (chart != null) {
            if (CommandFiles.isStdout(chart)) {
                throw new ParameterException(spec.commandLine(), "--chart needs a file name: a PNG does not go to "
                        + "standard output");
            }
            CommandFiles.output(chart, "--chart");
        }
        if (CommandFiles.isStdout(json) && CommandFiles.isStdout(csv)) {
            throw new ParameterException(spec.commandLine(), "only one of --json and --csv can be -, standard output");
        }
        if (gemmGrid || (rows != null && rows.stream().allMatch(r -> r.trim().startsWith("gemm:")))) {
            if (verify || csv != null || chart != null) {
                throw new ParameterException(spec.commandLine(), "GEMM rows take none of --verify, --csv and --chart "
                        + "(the table, or --json, is their output)");
            }
            return runGemmRows();
        }
        List<BenchRow> selected = selectRows();
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = humanOutput();
        BenchReport report = new BenchReport();
        recordOptions(report);
        List<Backend> opened = openBackends(report);
        try {
            for (Backend b : opened) {
                DeviceInfo d = b.device();
                Double peak = null;
                if (!noPeak) {
                    peak = SgemmPeak.measure(b, 300);
                }
                report.backends.add(new BenchReport.BackendInfo(b.name(), d.name(), d.memoryBytes(), d.computeUnits(),
                        d.description(), peak, SgemmPeak.size(b)));
            }
            double totalWork = 0;
            for (BenchRow r : selected) {
                totalWork += r.flops() * opened.size() * (r.training() ? 1 : weights.size());
            }
            ProgressLine progress = new ProgressLine(err, ErrorStream.isTerminal(), !noProgress, totalWork);
            List<RowRunner> runners = new ArrayList<>();
            for (WeightPrecision w : weights) {
                runners.add(new RowRunner(warmupMs, reps, minSampleMs, w));
            }
            for (int i = 0; i < opened.size(); i++) {
                Backend b = opened.get(i);
                Double peak = report.backends.get(i).sgemmPeakGflops();
                for (BenchRow row : selected) {
                    for (RowRunner runner : runnersFor(row, runners)) {
                        RowResult result;
                        try {
                            if (opened.size() > 1 && b.name().equals("reference")
                                    && row.flops() > referenceMaxGflop * 1e9) {
                                result = RowResult.skipped(row, b.name(), String.format(Locale.ROOT,
                                        "%.1f GFLOP per call is too slow for the reference backend (limit %s, "
                                                + "--reference-max-gflop)", row.flops() / 1e9, referenceMaxGflop))
                                        .withWeights(runner.weights());
                            } else {
                                result = runner.run(b, row, peak == null ? Double.NaN : peak);
                                if (verify && result.status().equals(RowResult.OK)) {
                                    result = verified(b, row, result, runner.weights());
                                }
                            }
                        } catch (RuntimeException e) {
                            result = RowResult.failed(row, b.name(), Rnn4jCommand.oneLine(e))
                                    .withWeights(runner.weights());
                        }
                        report.rows.add(result);
                        progress.advance(row.flops(), b.name() + " " + result.label());
                    }
                }
            }
            progress.finish();
            if (!noPeak) {
                // Measured again at the end and the better taken: a short measurement on a shared machine can land
                // in a noisy second, and a low peak would inflate every row's fraction of it.
                for (int i = 0; i < opened.size(); i++) {
                    BenchReport.BackendInfo info = report.backends.get(i);
                    double again = SgemmPeak.measure(opened.get(i), 300);
                    if (again > info.sgemmPeakGflops()) {
                        report.backends.set(i, info.withPeak(again));
                        report.rows.replaceAll(r -> r.backend().equals(info.name()) ? r.withPeak(again) : r);
                    }
                }
            }
        } finally {
            opened.forEach(Backend::close);
        }
        report.printTables(out);
        try {
            if (CommandFiles.isStdout(json)) {
                report.writeJson(stdout);
            } else if (json != null) {
                report.writeJson(json);
                out.println("wrote " + json);
            }
            if (CommandFiles.isStdout(csv)) {
                report.writeCsv(stdout);
            } else if (csv != null) {
                report.writeCsv(csv);
                out.println("wrote " + csv);
            }
            if (chart != null) {
                BenchChart.write(chart, report);
                out.println("wrote " + chart);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.flush();
        stdout.flush();
        boolean failed = report.rows.stream().anyMatch(r -> r.status().equals(RowResult.FAILED));
        if (failed) {
            err.println("rnn4j bench: error: " + report.rows.stream().filter(r -> r.status().equals(RowResult.FAILED))
                    .count() + " row(s) failed; see the table");
            err.flush();
        }
        return failed ? 1 : 0;
    }

    /**
     * The runners a row is timed with: every precision asked for an inference row; float32 alone for a training
     * row (training needs it), or the first asked for, which then reports the row skipped.
     */
    private static List<RowRunner> runnersFor(BenchRow row, List<RowRunner> runners) {
        if (!row.training()) {
            return runners;
        }
        for (RowRunner r : runners) {
            if (r.weights() == WeightPrecision.FLOAT32) {
                return List.of(r);
            }
        }
        return List.of(runners.get(0));
    }

    private RowResult verified(Backend b, BenchRow row, RowResult result, WeightPrecision precision) {
        BenchRow v = row.forwardFlops() <= VERIFY_FULL_FLOPS ? row : row.shrunk(48, 4, 8);
        OracleCheck check = OracleCheck.run(b, v.spec(), v.steps(), v.batch(), null, v.training(), 11, precision);
        String shape = v == row ? "full row" : v.toString();
        return result.withVerification(check.maxRelativeError(), shape, check.maxRelativeError() <= maxError);
    }

    private void validate() {
        if (reps < 1) {
            throw new ParameterException(spec.commandLine(), "--reps must be >= 1, got " + reps);
        }
        if (warmupMs < 0 || minSampleMs < 0) {
            throw new ParameterException(spec.commandLine(), "--warmup-ms and --min-sample-ms must be >= 0");
        }
        if (!(maxError > 0)) {
            throw new ParameterException(spec.commandLine(), "--max-error must be > 0, got " + maxError);
        }
        boolean custom = cell != null || hidden != null || batch != null || steps != null || input != null
                || peepholes || inputForget || clip != 0 || cellClip != 0 || gruOriginal || projSize != 0 || activations != null;
        if (custom && rows != null) {
            throw new ParameterException(spec.commandLine(), "give either --rows or a custom row (--cell ...), not both");
        }
        if (custom && (cell == null || hidden == null || batch == null || steps == null)) {
            throw new ParameterException(spec.commandLine(),
                    "a custom row needs --cell, --hidden, --batch and --steps (and optionally --input, --layers, "
                            + "--bidirectional, --mode)");
        }
        if (!mode.equals("train") && !mode.equals("infer")) {
            throw new ParameterException(spec.commandLine(), "--mode must be train or infer, got '" + mode + "'");
        }
        if (!Suites.NAMES.contains(suite)) {
            throw new ParameterException(spec.commandLine(), "no suite '" + suite + "'; suites: "
                    + String.join(", ", Suites.NAMES));
        }
    }

    /** The rows to run: a custom row, --rows, or the suite; then --filter. */
    List<BenchRow> selectRows() {
        List<BenchRow> all = new ArrayList<>();
        try {
            if (cell != null) {
                RnnSpec s = new RnnSpec(CellType.parse(cell), input == null ? hidden : input, hidden, layers,
                        bidirectional, true, new CellVariant(peepholes, inputForget, clip, cellClip,
                                gruOriginal, projSize, activations == null ? List.of()
                                : Activation.fromOnnx(activations, activationAlpha, activationBeta)));
                if (batch < 1 || steps < 1) {
                    throw new IllegalArgumentException("--batch and --steps must be >= 1");
                }
                all.add(new BenchRow(mode.equals("train"), s, batch, steps));
            } else if (rows != null) {
                for (String r : rows) {
                    all.add(BenchRow.parse(r));
                }
            } else {
                all.addAll(Suites.load(suite));
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (filter == null) {
            return all;
        }
        Pattern p;
        try {
            p = Pattern.compile(filter, Pattern.CASE_INSENSITIVE);
        } catch (PatternSyntaxException e) {
            throw new ParameterException(spec.commandLine(), "--filter is not a valid regular expression: "
                    + e.getDescription() + " in '" + filter + "'");
        }
        List<BenchRow> kept = all.stream().filter(r -> p.matcher(r.toString()).find()).toList();
        if (kept.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--filter '" + filter + "' matches none of the "
                    + all.size() + " rows (names look like " + all.get(0) + ")");
        }
        return kept;
    }

    private void recordOptions(BenchReport report) {
        report.options.put("suite", cell != null || rows != null ? null : suite);
        report.options.put("rows", rows);
        report.options.put("filter", filter);
        report.options.put("backend", backend == null ? BackendSelector.requestFromEnvironment() : backend);
        report.options.put("warmup_ms", warmupMs);
        report.options.put("reps", reps);
        report.options.put("min_sample_ms", minSampleMs);
        report.options.put("verify", verify);
        report.options.put("max_error", maxError);
        report.options.put("weights", weights.stream().map(WeightPrecision::label).toList());
        report.options.put("threads_property", System.getProperty("rnn4j.cpu.threads"));
    }

    /** One backend, or with {@code all} every available one (the others listed with their probe's reason). */
    private List<Backend> openBackends(BenchReport report) {
        List<Backend> opened = new ArrayList<>();
        if (!"all".equals(backend)) {
            opened.add(Backends.open(backend));
            return opened;
        }
        BackendSelector selector = BackendSelector.installed();
        try {
            for (BackendProvider p : selector.providers()) {
                Availability a = selector.probe(p);
                if (!a.available()) {
                    LOG.info("bench --backend all: skipping '{}': {}", p.name(), a.detail());
                    report.skippedBackends.add(p.name() + ": not run: " + a.detail());
                    continue;
                }
                opened.add(p.open(BackendOptions.defaults()));
            }
        } catch (RuntimeException e) {
            opened.forEach(Backend::close);
            throw e;
        }
        if (opened.isEmpty()) {
            throw new IllegalStateException("--backend all: no backend is available");
        }
        return opened;
    }

    /** Where the tables and notes go: standard output, unless a report takes it ({@code --json -}). */
    private PrintWriter humanOutput() {
        return CommandFiles.isStdout(json) || CommandFiles.isStdout(csv) ? spec.commandLine().getErr()
                : spec.commandLine().getOut();
    }

    private int runGemmRows() {
        PrintWriter out = humanOutput();
        List<GemmRow> parsed = new ArrayList<>();
        try {
            for (String r : gemmGrid ? GEMM_ROWS : rows) {
                parsed.add(GemmRow.parse(r));
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("schema", GEMM_SCHEMA);
        root.put("rnn4j_version", Rnn4jCommand.version());
        root.put("rnn4j_commit", BuildInfo.commit());
        root.put("keep_b", keepB);
        ArrayNode results = root.putArray("rows");
        try (Backend b = Backends.open("all".equals(backend) ? null : backend)) {
            out.printf("# rnn4j %s on backend '%s': %s (%s)%n", Rnn4jCommand.version(), b.name(), b.device().name(),
                    b.device().description());
            root.put("backend", b.name());
            root.put("device", b.device().name());
            out.println("| row | weights | ms median | ms min | GFLOP/s |");
            out.println("|---|---|---|---|---|");
            for (GemmRow g : parsed) {
                for (WeightPrecision w : weights) {
                    // A reduced-precision B is a weight: kept between calls, and only for a transposed B.
                    if (w != WeightPrecision.FLOAT32 && !g.transB()) {
                        continue;
                    }
                    try (GemmRow.Bound call = w == WeightPrecision.FLOAT32 ? g.bind(b, keepB) : g.bind(b, w)) {
                        double[] samples = samples(call);
                        double median = RowRunner.median(samples);
                        double min = Arrays.stream(samples).min().orElseThrow();
                        double gflops = g.flops() / median / 1e9;
                        out.printf(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.1f |%n", g, w.label(), median * 1e3,
                                min * 1e3, gflops);
                        out.flush();
                        ObjectNode r = results.addObject();
                        r.put("row", g.toString());
                        r.put("weights", w.label());
                        r.put("ms_median", median * 1e3);
                        r.put("ms_min", min * 1e3);
                        r.put("gflops", gflops);
                    }
                }
            }
        }
        if (CommandFiles.isStdout(json)) {
            PrintWriter stdout = spec.commandLine().getOut();
            try {
                stdout.println(mapper.writeValueAsString(root));
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the JSON: " + e.getMessage(), e);
            }
            stdout.flush();
        } else if (json != null) {
            try {
                BenchReport.writeAtomically(json, w -> mapper.writeValue(w, root));
            } catch (IOException e) {
                throw new UncheckedIOException("could not write " + json + ": " + e.getMessage(), e);
            }
            out.println("wrote " + json);
        }
        return 0;
    }

    /** Seconds per call, one entry per sample. */
    private double[] samples(Runnable call) {
        double[] out = new double[reps];
        SampleTimer.run(call, warmupMs, minSampleMs, reps, (k, calls, nanos) -> out[k] = nanos / 1e9 / calls);
        return out;
    }
}
