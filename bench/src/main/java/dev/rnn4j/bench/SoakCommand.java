package dev.rnn4j.bench;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.serving.InferenceSession;
import dev.rnn4j.serving.SessionOptions;
import dev.rnn4j.serving.SessionStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code rnn4j soak}: a long run that would show a leak. Layers are created, trained one step (forward, backward) and
 * closed over and over, on a backend opened and closed every so often; then a serving session takes requests and
 * stream opens and closes from many threads. Memory is sampled throughout ({@link MemorySample}); the run fails when
 * the heap or direct memory grew after the warm-up, or resident memory outside the heap grew by more than
 * {@code --max-rss-growth-mib}.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Create, train and close layers, then serve requests and streams from many threads, watching "
                + "resident (outside the heap), heap and direct memory for growth.",
                "Exits 1 if the floor of memory rose past the limits after the warm-up (the first tenth of each phase).",
                "  rnn4j soak --backend cpu --iterations 100000 --requests 1000000 --streams 100000"})
final class SoakCommand implements Callable<Integer> {
    /** A warm-up fills code caches and pools; growth is measured from the sample at this fraction of a phase. */
    static final double WARM_UP = 0.1;
    /** Samples per phase. */
    static final int SAMPLES = 20;
    /** Growth of the heap in use after a collection that still counts as flat (statistics, caches settling). */
    static final long HEAP_SLACK_BYTES = 8L << 20;
    /** Growth of direct buffers that still counts as flat. */
    static final long DIRECT_SLACK_BYTES = 1L << 20;
    /** Layers created per backend opened: the backend itself is churned too. */
    static final int LAYERS_PER_BACKEND = 100;

    /** The shapes the churn cycles through: every cell, stacked and bidirectional, with and without lengths. */
    static final List<RnnSpec> SPECS = List.of(
            new RnnSpec(CellType.LSTM, 8, 16, 1, false, true),
            new RnnSpec(CellType.GRU, 8, 12, 2, true, true),
            new RnnSpec(CellType.RNN_TANH, 4, 8, 1, true, false),
            new RnnSpec(CellType.RNN_RELU, 6, 10, 2, false, true));
    static final int BATCH = 3;
    static final int STEPS = 5;

    @Spec
    CommandSpec spec;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "auto, reference, cpu, opencl[:N], cuda[:N]; default: -Drnn4j.backend, RNN4J_BACKEND, auto.")
    String backend;

    @Option(names = "--iterations", defaultValue = "100000",
            description = "Layers created, trained one step and closed (default ${DEFAULT-VALUE}).")
    long iterations;

    @Option(names = "--requests", defaultValue = "1000000",
            description = "Serving requests, from --threads threads (default ${DEFAULT-VALUE}).")
    long requests;

    @Option(names = "--streams", defaultValue = "100000",
            description = "Streams opened, fed and closed, from --threads threads (default ${DEFAULT-VALUE}).")
    long streams;

    @Option(names = "--threads", defaultValue = "8", description = "Client threads for serving (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--max-rss-growth-mib", defaultValue = "64",
            description = "Growth of resident memory outside the heap after the warm-up that still passes (default "
                    + "${DEFAULT-VALUE}).")
    long maxRssGrowthMib;

    @Override
    public Integer call() throws Exception {
        if (iterations < SAMPLES || requests < 0 || streams < 0 || threads < 1 || maxRssGrowthMib < 0) {
            throw new ParameterException(spec.commandLine(), "--iterations must be at least " + SAMPLES
                    + "; --requests and --streams at least 0; --threads at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<String> failures = new ArrayList<>();
        failures.addAll(judge(out, "layer churn", churn(out)));
        if (requests + streams > 0) {
            failures.addAll(judge(out, "serving", serve(out)));
        }
        out.flush();
        if (!failures.isEmpty()) {
            spec.commandLine().getErr().println("rnn4j soak: " + String.join("; ", failures));
            return 1;
        }
        out.println("rnn4j soak: memory stayed flat");
        return 0;
    }

    /** Creates, trains and closes layers; a backend is opened per {@link #LAYERS_PER_BACKEND} layers. */
    private List<MemorySample> churn(PrintWriter out) {
        List<MemorySample> samples = new ArrayList<>();
        long every = Math.max(1, iterations / SAMPLES);
        Backend b = null;
        String name = null;
        try {
            for (long i = 0; i < iterations; i++) {
                if (i % LAYERS_PER_BACKEND == 0) {
                    if (b != null) {
                        b.close();
                    }
                    b = Backends.open(backend);
                    name = b.name();
                }
                RnnSpec s = SPECS.get((int) (i % SPECS.size()));
                try (RecurrentLayer layer = RecurrentLayer.create(b, s, RnnParameters.uniform(s, i))) {
                    float[] x = new float[STEPS * BATCH * s.inputSize()];
                    java.util.Arrays.fill(x, 0.1f);
                    int[] lengths = i % 2 == 0 ? null : new int[] {STEPS, 1, STEPS - 1};
                    layer.forwardTraining(RnnInput.sequenceMajor(x, STEPS, BATCH).withLengths(lengths));
                    layer.backward(new OutputGradients(new float[STEPS * BATCH * s.outputSize()], null, null));
                }
                if ((i + 1) % every == 0) {
                    samples.add(MemorySample.take(i + 1));
                }
            }
        } finally {
            if (b != null) {
                b.close();
            }
        }
        out.printf("layer churn on %s: %d layers created, trained one step and closed%n", name, iterations);
        return samples;
    }

    /** Requests and stream churn from {@link #threads} threads on one session, sampled as they go. */
    private List<MemorySample> serve(PrintWriter out) throws Exception {
        RnnSpec s = SPECS.get(0);
        List<MemorySample> samples = new ArrayList<>();
        long total = requests + streams;
        long every = Math.max(1, total / SAMPLES);
        AtomicLong done = new AtomicLong();
        try (Backend b = Backends.open(backend);
             InferenceSession session = InferenceSession.open(b, RnnParameters.uniform(s, 1),
                     SessionOptions.defaults().withMaxStreams(Math.max(64, threads * 4)))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> work = new ArrayList<>();
                AtomicLong requestsLeft = new AtomicLong(requests);
                AtomicLong streamsLeft = new AtomicLong(streams);
                for (int t = 0; t < threads; t++) {
                    work.add(pool.submit(() -> {
                        float[] x = new float[2 * s.inputSize()];
                        java.util.Arrays.fill(x, 0.2f);
                        while (true) {
                            if (requestsLeft.getAndDecrement() > 0) {
                                session.run(x, 2);
                            } else if (streamsLeft.getAndDecrement() > 0) {
                                try (SessionStream stream = session.openStream()) {
                                    stream.run(x, 2);
                                }
                            } else {
                                return null;
                            }
                            done.incrementAndGet();
                        }
                    }));
                }
                // Sampled from this thread only: reading /proc from each client thread gave each its own cached
                // direct buffer, which looked like direct memory growing.
                long due = every;
                while (!work.stream().allMatch(Future::isDone)) {
                    if (done.get() >= due) {
                        samples.add(MemorySample.take(done.get()));
                        due += every;
                    } else {
                        Thread.sleep(1);
                    }
                }
                for (Future<?> f : work) {
                    f.get();
                }
                samples.add(MemorySample.take(done.get()));
            } finally {
                pool.shutdownNow();
            }
            out.printf("serving on %s: %d requests and %d streams opened, fed and closed, from %d threads%n",
                    b.name(), requests, streams, threads);
        }
        return samples;
    }

    /**
     * How much the floor of a figure rose: its least value over the second half of the samples less its least value
     * from the warm-up to the middle. Resident memory swings by a few hundred MiB as allocators keep and return memory
     * (freed thread stacks, malloc's arenas), with no trend; a leak raises the floor, which the swings do not.
     */
    static long floorGrowth(List<MemorySample> samples, java.util.function.ToLongFunction<MemorySample> figure) {
        int warm = (int) Math.max(1, Math.round(samples.size() * WARM_UP));
        int middle = Math.max(warm + 1, (samples.size() + warm) / 2);
        long early = Long.MAX_VALUE;
        long late = Long.MAX_VALUE;
        for (int i = warm; i < samples.size(); i++) {
            long v = figure.applyAsLong(samples.get(i));
            if (i < middle) {
                early = Math.min(early, v);
            } else {
                late = Math.min(late, v);
            }
        }
        return late - early;
    }

    /** Prints the samples and says what grew past its limit after the warm-up. */
    private List<String> judge(PrintWriter out, String phase, List<MemorySample> samples) {
        out.printf("%-12s %12s %14s %12s %12s%n", "done", "rss MiB", "outside heap", "heap MiB", "direct KiB");
        for (MemorySample m : samples) {
            out.printf("%-12d %12.1f %14.1f %12.1f %12.1f%n", m.done(), m.rssBytes() / 1048576.0,
                    m.outsideHeapBytes() / 1048576.0, m.heapBytes() / 1048576.0, m.direct() / 1024.0);
        }
        List<String> failures = new ArrayList<>();
        if (samples.size() < 4) {
            return failures;
        }
        // A native leak raises the floor of both; the collector's heap sizing moves one of them only (a heap grown
        // and touched raises resident memory, one committed but not touched lowers what lies outside it).
        long outside = Math.min(floorGrowth(samples, MemorySample::rssBytes),
                floorGrowth(samples, MemorySample::outsideHeapBytes));
        long heap = floorGrowth(samples, MemorySample::heapBytes);
        long direct = floorGrowth(samples, MemorySample::direct);
        if (samples.get(0).rssBytes() >= 0 && outside > maxRssGrowthMib << 20) {
            failures.add(phase + ": resident memory outside the heap grew by " + (outside >> 20)
                    + " MiB after the warm-up (limit " + maxRssGrowthMib + ")");
        }
        if (heap > HEAP_SLACK_BYTES) {
            failures.add(phase + ": the heap in use after a collection grew by " + (heap >> 10)
                    + " KiB after the warm-up");
        }
        if (direct > DIRECT_SLACK_BYTES) {
            failures.add(phase + ": direct buffers grew by " + (direct >> 10) + " KiB after the warm-up");
        }
        out.printf("%s: growth of the floor after the warm-up: resident outside the heap %+.1f MiB, heap %+.1f MiB, "
                + "direct %+.1f KiB%n", phase, outside / 1048576.0, heap / 1048576.0, direct / 1024.0);
        return failures;
    }
}
