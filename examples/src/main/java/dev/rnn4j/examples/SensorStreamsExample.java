package dev.rnn4j.examples;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.serving.InferenceSession;
import dev.rnn4j.serving.SessionOptions;
import dev.rnn4j.serving.SessionStats;
import dev.rnn4j.serving.SessionStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Many sensors streaming into one model: each sensor is a stream of an inference session, fed its reading as each
 * tick arrives; the session batches every sensor's step into one batch and keeps each sensor's recurrent state on
 * the device between ticks. At the end, one sensor's streamed outputs are checked against its whole series run as
 * one request.
 */
@Command(name = "sensors", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Many simulated sensors streaming into one recurrent model through an inference session: a "
                + "stream per sensor, a step per reading, the states kept on the device between readings.",
                "The model has random weights unless --model names a file (rnn4j run's format, unidirectional)."})
final class SensorStreamsExample implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--sensors", defaultValue = "500", description = "Sensors, one stream each (default ${DEFAULT-VALUE}).")
    int sensors;

    @Option(names = "--ticks", defaultValue = "200", description = "Readings per sensor (default ${DEFAULT-VALUE}).")
    int ticks;

    @Option(names = "--hidden", defaultValue = "64", description = "Hidden size of the random model (default ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--model", paramLabel = "M.safetensors", description = "A trained model instead.")
    Path model;

    /** The outcome: steps per second, and the largest difference between streamed and whole-series outputs. */
    record Outcome(double stepsPerSecond, double largestDifference, SessionStats stats) {
    }

    @Override
    public Integer call() throws Exception {
        Outcome o = run(spec.commandLine().getOut());
        return o.largestDifference() <= 1e-4 ? 0 : 1;
    }

    /** A sensor's readings at a tick: a vibration at the sensor's own frequency, with a faster ripple. */
    private static float[] reading(int sensor, int tick, int features) {
        float[] r = new float[features];
        for (int f = 0; f < features; f++) {
            double phase = tick * (0.05 + 0.01 * (sensor % 7)) + f;
            r[f] = (float) (Math.sin(phase) + 0.1 * Math.sin(phase * 13.7 + sensor));
        }
        return r;
    }

    Outcome run(PrintWriter out) throws Exception {
        RnnParameters weights = model != null ? RnnModelFile.load(model).weights()
                : RnnParameters.uniform(new RnnSpec(CellType.LSTM, 3, hidden, 2, false, true), common.seed);
        int features = weights.spec().inputSize();
        SessionOptions options = SessionOptions.defaults().withMaxBatch(sensors).withQueueCapacity(2 * sensors);
        try (Backend backend = Backends.open(common.backend);
             InferenceSession session = InferenceSession.open(backend, weights, options)) {
            List<SessionStream> streams = new ArrayList<>();
            for (int s = 0; s < sensors; s++) {
                streams.add(session.openStream());
            }
            float[][] firstSensor = new float[ticks][];
            long start = System.nanoTime();
            for (int tick = 0; tick < ticks; tick++) {
                List<CompletableFuture<float[]>> outputs = new ArrayList<>(sensors);
                for (int s = 0; s < sensors; s++) {
                    outputs.add(streams.get(s).feed(reading(s, tick, features), 1));
                }
                outputs.forEach(CompletableFuture::join);
                firstSensor[tick] = outputs.get(0).join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            streams.forEach(SessionStream::close);

            float[] series = new float[ticks * features];
            for (int tick = 0; tick < ticks; tick++) {
                System.arraycopy(reading(0, tick, features), 0, series, tick * features, features);
            }
            float[] whole = session.run(series, ticks).output();
            int width = weights.spec().outputSize();
            double largest = 0;
            for (int tick = 0; tick < ticks; tick++) {
                for (int j = 0; j < width; j++) {
                    largest = Math.max(largest, Math.abs(whole[tick * width + j] - firstSensor[tick][j]));
                }
            }
            SessionStats stats = session.stats();
            double rate = (double) sensors * ticks / seconds;
            out.printf(Locale.ROOT, "%d sensors x %d readings on %s: %.0f steps/s, mean batch %.1f, feed latency %s%n",
                    sensors, ticks, backend.name(), rate, stats.meanBatch(), stats.endToEnd());
            out.printf(Locale.ROOT, "sensor 0 streamed vs its whole series in one request: largest difference %.2e%n",
                    largest);
            return new Outcome(rate, largest, stats);
        }
    }
}
