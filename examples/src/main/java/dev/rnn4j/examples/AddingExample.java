package dev.rnn4j.examples;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.train.LearningRateSchedule;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The adding problem (Hochreiter and Schmidhuber, 1997): each step carries a random value and a marker; the target
 * is the sum of the two marked values, one in the first half, one in the second. Predicting the mean, 1, scores a
 * mean squared error of about 1/6; a vanilla RNN stays there at T = 100, an LSTM and a GRU learn the task.
 */
@Command(name = "adding", mixinStandardHelpOptions = true,
        description = "The adding problem at T = 100: a vanilla RNN fails where an LSTM and a GRU succeed.")
final class AddingExample implements Callable<Integer> {
    /** The mean squared error of always predicting the expected sum, 1: the bar to beat. */
    static final double BASELINE = 1.0 / 6;

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--length", defaultValue = "100") int length;
    @Option(names = "--hidden", defaultValue = "64") int hidden;
    @Option(names = "--batch", defaultValue = "32") int batch;
    @Option(names = "--cells", defaultValue = "RNN_TANH,LSTM,GRU", split = ",") CellType[] cells;

    @Override
    public Integer call() {
        run(spec.commandLine().getOut());
        return 0;
    }

    /** The final training MSE (mean of the last 50 steps) per cell. */
    Map<CellType, Double> run(PrintWriter out) {
        Map<CellType, Double> result = new LinkedHashMap<>();
        try (Backend backend = Backends.open(common.backend)) {
            for (CellType cell : cells) {
                RnnSpec rnn = RnnSpec.builder(cell).inputSize(2).hiddenSize(hidden).build();
                try (SequenceModel model = new SequenceModel(backend, new SequenceModel.Config(0, rnn, 0f, 1,
                        SequenceModel.Head.LAST_STEP, SequenceModel.Loss.SQUARED_ERROR, common.seed));
                     Optimizer adam = Optimizer.adam(backend, common.learningRate(1e-2f), 0f, false)) {
                    out.println("adding problem, T = " + length + ", " + cell + ":");
                    TrainingRun.Result r = TrainingRun.run(model, adam, step -> batch(new Random(common.seed * 11
                            + step)), null, new TrainingRun.Settings(common.steps, common.maxTime(), 0, 1.0,
                            LearningRateSchedule.constant(common.learningRate(1e-2f)), null,
                            common.out.resolve("adding-" + cell.name().toLowerCase(java.util.Locale.ROOT) + "-loss.png"),
                            null), out);
                    double mse = r.lastLoss(50);
                    result.put(cell, mse);
                    out.printf(java.util.Locale.ROOT, "%s: final MSE %.4f (predicting the mean: %.4f) -> %s%n", cell, mse,
                            BASELINE, mse < BASELINE / 4 ? "solved" : "not solved");
                }
            }
        }
        return result;
    }

    SequenceModel.Batch batch(Random r) {
        float[] x = new float[length * batch * 2];
        float[] y = new float[batch];
        for (int b = 0; b < batch; b++) {
            int first = r.nextInt(length / 2);
            int second = length / 2 + r.nextInt(length / 2);
            for (int t = 0; t < length; t++) {
                float v = r.nextFloat();
                int at = (t * batch + b) * 2;
                x[at] = v;
                if (t == first || t == second) {
                    x[at + 1] = 1f;
                    y[b] += v;
                }
            }
        }
        return new SequenceModel.Batch(length, batch, null, x, null, null, y);
    }
}
