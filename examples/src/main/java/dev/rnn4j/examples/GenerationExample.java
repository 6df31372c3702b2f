package dev.rnn4j.examples;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.train.LearningRateSchedule;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;
import java.io.PrintWriter;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * One-to-many generation: a seed vector (amplitude, frequency, phase) is given at the first step only, and the
 * network writes out the whole sine wave it describes.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "One-to-many: a GRU writes the sine wave a seed vector (amplitude, frequency, phase) describes.")
final class GenerationExample implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--length", defaultValue = "24") int length;
    @Option(names = "--hidden", defaultValue = "48") int hidden;
    @Option(names = "--batch", defaultValue = "32") int batch;

    @Override
    public Integer call() {
        run(spec.commandLine().getOut());
        return 0;
    }

    TrainingRun.Result run(PrintWriter out) {
        RnnSpec rnn = RnnSpec.builder(CellType.GRU).inputSize(3).hiddenSize(hidden).build();
        try (Backend backend = Backends.open(common.backend);
             SequenceModel model = new SequenceModel(backend, new SequenceModel.Config(0, rnn, 0f, 1,
                     SequenceModel.Head.EVERY_STEP, SequenceModel.Loss.SQUARED_ERROR, common.seed));
             Optimizer adam = Optimizer.adam(backend, common.learningRate(5e-3f), 0f, false)) {
            TrainingRun.Result r = TrainingRun.run(model, adam, step -> batch(new Random(common.seed * 977 + step)),
                    null, new TrainingRun.Settings(common.steps, common.maxTime(), 0, 5,
                            LearningRateSchedule.constant(common.learningRate(5e-3f)), null,
                            common.out.resolve("generate-loss.png"), null), out);
            out.printf(java.util.Locale.ROOT, "generation: mean squared error %.4f -> %.4f%n", r.firstLoss(),
                    r.lastLoss(20));
            return r;
        }
    }

    SequenceModel.Batch batch(Random r) {
        float[] x = new float[length * batch * 3];
        float[] y = new float[length * batch];
        for (int b = 0; b < batch; b++) {
            float amplitude = 0.5f + r.nextFloat();
            float frequency = 0.2f + 0.4f * r.nextFloat();
            float phase = (float) (r.nextFloat() * Math.PI);
            x[b * 3] = amplitude; // the seed, at step 0 only
            x[b * 3 + 1] = frequency;
            x[b * 3 + 2] = phase;
            for (int t = 0; t < length; t++) {
                y[t * batch + b] = (float) (amplitude * Math.sin(frequency * t + phase));
            }
        }
        return new SequenceModel.Batch(length, batch, null, x, null, null, y);
    }
}
