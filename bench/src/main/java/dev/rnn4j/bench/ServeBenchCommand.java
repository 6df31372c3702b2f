package dev.rnn4j.bench;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.serving.SessionOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code rnn4j serve-bench}: load on a model as a service would put it, through an inference session or through
 * direct calls (or a peer engine), and what the clients saw: throughput, latency percentiles, batch sizes, and
 * beside them the same layer's offline throughput, the bound a serving layer is measured against.
 */
@Command(name = "serve-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Put serving load on a model and report throughput and latency as the clients saw them.",
                "Stateless: each client sends one sequence (batch 1) and waits for it (closed loop), or requests "
                        + "arrive at --rate per second (open loop, latency from each planned arrival). Streams "
                        + "(--streams N): the clients share N streams and feed each --steps steps per tick.",
                "--mode session sends everything through one inference session (dynamic batching, stream states "
                        + "on the device); --mode direct has each client call forward on its own layer copy. With "
                        + "--offline (the default for rnn4j) the same layer's offline throughput at the session's "
                        + "mean batch (streams: one batch of every stream) is measured after the load, each round.",
                "Exit status: 0 when the load ran; 1 when it failed; 2 for usage errors."},
        footerHeading = "%nExamples:%n",
        footer = {"  rnn4j serve-bench                                     LSTM 256, T=50, 64 clients, session",
                "  rnn4j serve-bench --mode direct --clients 8",
                "  rnn4j serve-bench --streams 1000 --layers 2 --hidden 512 --steps 1 --json streams.json",
                "  rnn4j serve-bench --rate 2000 --seconds 20             open loop, 2,000 requests/s",
                "  rnn4j serve-bench --engine onnxruntime ...             a peer, when its module is on the class path"})
final class ServeBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--engine", defaultValue = "rnn4j", paramLabel = "NAME",
            description = "rnn4j (default), or a peer engine found on the class path (onnxruntime, from the bench "
                    + "peers module).")
    String engine;

    @Option(names = "--mode", defaultValue = "session", paramLabel = "MODE",
            description = "rnn4j: session (default) or direct.")
    String mode;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "auto, reference, cpu, opencl[:N], cuda[:N]; default: -Drnn4j.backend, RNN4J_BACKEND, auto.")
    String backend;

    @Option(names = "--cell", defaultValue = "lstm", paramLabel = "CELL",
            description = "lstm (default), gru, rnn_tanh or rnn_relu; random weights.")
    String cell;

    @Option(names = "--input", paramLabel = "I", description = "Input size (default: the hidden size).")
    Integer input;

    @Option(names = "--hidden", defaultValue = "256", paramLabel = "H", description = "Hidden size (default 256).")
    int hidden;

    @Option(names = "--layers", defaultValue = "1", paramLabel = "L", description = "Stacked layers (default 1).")
    int layers;

    @Option(names = "--model", paramLabel = "M.safetensors",
            description = "A model file (as rnn4j run reads) instead of --cell/--input/--hidden/--layers.")
    Path model;

    @Option(names = "--steps", paramLabel = "T",
            description = "Steps per request (streams: per feed); default 50, or 1 with --streams.")
    Integer steps;

    @Option(names = "--clients", defaultValue = "64", paramLabel = "N",
            description = "Client threads (default 64; with --streams at most the number of streams).")
    int clients;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "R",
            description = "Open loop: requests per second in all (streams: ticks per second of each client); "
                    + "default 0, closed loop.")
    double rate;

    @Option(names = "--streams", defaultValue = "0", paramLabel = "N",
            description = "Stateful streams in all, fed --steps steps per tick each; 0 (default) for stateless "
                    + "requests.")
    int streams;

    @Option(names = "--seconds", defaultValue = "10", paramLabel = "S", description = "Measured seconds (default 10).")
    double seconds;

    @Option(names = "--warmup-seconds", defaultValue = "3", paramLabel = "S",
            description = "Load before measuring (default 3).")
    double warmupSeconds;

    @Option(names = "--max-batch", paramLabel = "N",
            description = "Session: the most requests or feeds a batch holds (default 32; streams: the stream count).")
    Integer maxBatch;

    @Option(names = "--max-delay-ms", defaultValue = "2", paramLabel = "MS",
            description = "Session: the longest a batch's first request waits for others (default 2).")
    double maxDelayMs;

    @Option(names = "--offline", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Measure the offline baseline after each round (rnn4j engine; default on).")
    boolean offline;

    @Option(names = "--rounds", defaultValue = "1", paramLabel = "N",
            description = "Load then offline baseline, N times alternating; the report holds each round and the "
                    + "medians (default 1).")
    int rounds;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Inputs' and weights' seed.")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the report as JSON (schema "
            + ServeReport.SCHEMA + "; top level: requests_per_s or steps_per_s, p50_ms, p95_ms, p99_ms, mean_batch).")
    Path json;

    @Override
    public Integer call() throws Exception {
        validate();
        if (json != null) {
            CommandFiles.output(json, "--json");
        }
        RnnParameters weights = weights();
        RnnSpec s = weights.spec();
        int clientThreads = streams > 0 ? Math.min(clients, streams) : clients;
        int feedSteps = steps != null ? steps : streams > 0 ? 1 : 50;
        ServeLoad.Config config = new ServeLoad.Config(clientThreads, rate, feedSteps, streams, s.inputSize(),
                (long) (warmupSeconds * 1e9), (long) (seconds * 1e9), seed);
        String modelText = describe(s, feedSteps);
        List<ServeReport> reports = new ArrayList<>();
        try (Backend b = "rnn4j".equals(engine) ? Backends.open(backend) : null) {
            for (int round = 0; round < rounds; round++) {
                ServeReport report;
                try (ServeTarget target = target(b, weights, clientThreads)) {
                    report = new ServeReport(engine, "rnn4j".equals(engine) ? mode : "peer", target.describe(),
                            modelText, config);
                    ServeLoad.Result r = ServeLoad.run(target, config);
                    report.result(r, streams > 0, target.sessionFigures());
                }
                if (b != null && offline) {
                    long nanos = (long) (Math.max(1, seconds / 2) * 1e9);
                    if (streams > 0) {
                        report.offline(OfflineBaseline.streamStepsPerSecond(b, weights, feedSteps, streams, nanos),
                                streams, true);
                    } else {
                        int batch = (int) Math.max(1, Math.round(report.json().path("mean_batch").asDouble()));
                        report.offline(OfflineBaseline.sequencesPerSecond(b, weights, feedSteps, batch, nanos), batch,
                                false);
                    }
                }
                spec.commandLine().getOut().print((rounds > 1 ? "round " + (round + 1) + ": " : "") + report.text());
                spec.commandLine().getOut().flush();
                reports.add(report);
            }
        }
        ServeReport last = ServeRounds.summarise(reports);
        if (rounds > 1) {
            spec.commandLine().getOut().print("medians of " + rounds + " rounds: " + last.text());
        }
        if (json != null) {
            last.write(json);
        }
        return 0;
    }

    private void validate() {
        if (!List.of("session", "direct").contains(mode)) {
            throw new ParameterException(spec.commandLine(), "--mode must be session or direct, got '" + mode + "'");
        }
        if (clients < 1 || (steps != null && steps < 1) || streams < 0 || rounds < 1 || hidden < 1 || layers < 1) {
            throw new ParameterException(spec.commandLine(), "--clients, --steps, --rounds, --hidden and --layers must "
                    + "be at least 1, --streams at least 0");
        }
        if (seconds <= 0 || warmupSeconds < 0 || rate < 0 || maxDelayMs < 0) {
            throw new ParameterException(spec.commandLine(), "--seconds must be positive; --warmup-seconds, --rate and "
                    + "--max-delay-ms not negative");
        }
        if (model != null && input != null) {
            throw new ParameterException(spec.commandLine(), "--model gives the shape; drop --input/--hidden/--layers");
        }
    }

    private RnnParameters weights() throws java.io.IOException {
        if (model != null) {
            return RnnModelFile.load(CommandFiles.input(model, "--model")).weights();
        }
        CellType c;
        try {
            c = CellType.valueOf(cell.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--cell must be lstm, gru, rnn_tanh or rnn_relu, got '"
                    + cell + "'");
        }
        return RnnParameters.uniform(new RnnSpec(c, input == null ? hidden : input, hidden, layers, false, true), seed);
    }

    private static String describe(RnnSpec s, int steps) {
        return s.cell() + " " + s.inputSize() + "->" + s.hiddenSize() + (s.layers() > 1 ? ", " + s.layers()
                + " layers" : "") + ", T=" + steps + " per request or feed, B=1";
    }

    private ServeTarget target(Backend b, RnnParameters weights, int clientThreads) throws Exception {
        if (!"rnn4j".equals(engine)) {
            for (ServeEngine e : ServiceLoader.load(ServeEngine.class)) {
                if (e.name().equals(engine)) {
                    return e.open(weights);
                }
            }
            throw new ParameterException(spec.commandLine(), "no engine '" + engine + "' on the class path; the peers "
                    + "are built with: mvn -B -q -Ppeers -DskipTests package (see bench/peer/onnxruntime/README.md)");
        }
        if (mode.equals("direct")) {
            return new DirectTarget(b, weights, clientThreads);
        }
        int batch = maxBatch != null ? maxBatch : streams > 0 ? streams : SessionOptions.defaults().maxBatch();
        SessionOptions options = SessionOptions.defaults().withMaxBatch(batch)
                .withMaxQueueDelay(Duration.ofNanos((long) (maxDelayMs * 1e6)))
                .withQueueCapacity(Math.max(4096, 2 * Math.max(streams, clientThreads)));
        return new SessionTarget(b, weights, options);
    }
}
