package dev.rnn4j.examples;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.train.LearningRateSchedule;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Time-series forecasting (many-to-one regression): the next value of a generated series — two seasonal
 * components, a slow trend and noise — from a window of past values, against the naive last-value forecast.
 */
@Command(name = "forecast", mixinStandardHelpOptions = true,
        description = "Many-to-one regression: next value of a generated seasonal series from a window (LSTM).")
final class ForecastExample implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--window", defaultValue = "30") int window;
    @Option(names = "--hidden", defaultValue = "32") int hidden;
    @Option(names = "--batch", defaultValue = "32") int batch;

    private float[] series;

    @Override
    public Integer call() {
        run(spec.commandLine().getOut());
        return 0;
    }

    record Outcome(TrainingRun.Result result, double validMse, double naiveMse) {
    }

    Outcome run(PrintWriter out) {
        Random g = new Random(common.seed);
        series = new float[20_000];
        for (int i = 0; i < series.length; i++) {
            series[i] = (float) (Math.sin(2 * Math.PI * i / 24) + 0.5 * Math.sin(2 * Math.PI * i / 168)
                    + i * 2e-5 + 0.1 * g.nextGaussian());
        }
        int split = series.length * 9 / 10;
        RnnSpec rnn = RnnSpec.builder(CellType.LSTM).inputSize(1).hiddenSize(hidden).build();
        try (Backend backend = Backends.open(common.backend);
             SequenceModel model = new SequenceModel(backend, new SequenceModel.Config(0, rnn, 0f, 1,
                     SequenceModel.Head.LAST_STEP, SequenceModel.Loss.SQUARED_ERROR, common.seed));
             Optimizer adam = Optimizer.adam(backend, common.learningRate(5e-3f), 0f, false)) {
            List<SequenceModel.Batch> validation = new ArrayList<>();
            double naive = 0;
            for (int v = 0; v < 8; v++) {
                SequenceModel.Batch b = batch(new Random(-1 - v), split, series.length);
                validation.add(b);
                for (int i = 0; i < batch; i++) {
                    double d = b.inputs()[(window - 1) * batch + i] - b.values()[i];
                    naive += d * d / (8.0 * batch);
                }
            }
            TrainingRun.Result r = TrainingRun.run(model, adam, step -> batch(new Random(common.seed * 7 + step), 0,
                    split), () -> validation, new TrainingRun.Settings(common.steps, common.maxTime(), 100, 5,
                    LearningRateSchedule.cosine(common.learningRate(5e-3f), 1e-4f, common.steps), null,
                    common.out.resolve("forecast-loss.png"), null), out);
            double valid = r.validation().get(r.validation().size() - 1)[1];
            out.printf(java.util.Locale.ROOT, "forecast: validation MSE %.4f (naive last-value forecast %.4f)%n", valid,
                    naive);
            return new Outcome(r, valid, naive);
        }
    }

    SequenceModel.Batch batch(Random r, int from, int to) {
        float[] x = new float[window * batch];
        float[] y = new float[batch];
        for (int b = 0; b < batch; b++) {
            int start = from + r.nextInt(to - from - window - 1);
            for (int t = 0; t < window; t++) {
                x[t * batch + b] = series[start + t];
            }
            y[b] = series[start + window];
        }
        return new SequenceModel.Batch(window, batch, null, x, null, null, y);
    }
}
