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

/** Many-to-one classification: the parity or the majority of a ±1 sequence of variable length, from its last states. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Many-to-one: parity or majority of a variable-length +-1 sequence (bidirectional GRU).")
final class ClassificationExample implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--task", defaultValue = "parity", description = "parity or majority") String task;
    @Option(names = "--length", defaultValue = "12", description = "Longest sequence.") int length;
    @Option(names = "--hidden", defaultValue = "48") int hidden;
    @Option(names = "--batch", defaultValue = "32") int batch;

    @Override
    public Integer call() {
        run(spec.commandLine().getOut());
        return 0;
    }

    record Outcome(TrainingRun.Result result, double accuracy) {
    }

    Outcome run(PrintWriter out) {
        if (!task.equals("parity") && !task.equals("majority")) {
            throw new IllegalArgumentException("--task must be parity or majority, got " + task);
        }
        RnnSpec rnn = RnnSpec.builder(CellType.GRU).inputSize(1).hiddenSize(hidden).bidirectional(true).build();
        try (Backend backend = Backends.open(common.backend);
             SequenceModel model = new SequenceModel(backend, new SequenceModel.Config(0, rnn, 0f, 2,
                     SequenceModel.Head.LAST_STEP, SequenceModel.Loss.CROSS_ENTROPY, common.seed));
             Optimizer adam = Optimizer.adam(backend, common.learningRate(5e-3f), 0f, false)) {
            List<SequenceModel.Batch> validation = new ArrayList<>();
            for (int v = 0; v < 4; v++) {
                validation.add(batch(new Random(-1 - v)));
            }
            TrainingRun.Result r = TrainingRun.run(model, adam, step -> batch(new Random(common.seed * 31 + step)),
                    () -> validation, new TrainingRun.Settings(common.steps, common.maxTime(), 100, 5,
                            LearningRateSchedule.constant(common.learningRate(5e-3f)), null,
                            common.out.resolve("classify-loss.png"), null), out);
            int right = 0;
            int total = 0;
            for (SequenceModel.Batch b : validation) {
                float[] logits = model.predict(b);
                for (int i = 0; i < b.batch(); i++) {
                    int guess = logits[2 * i + 1] > logits[2 * i] ? 1 : 0;
                    right += guess == b.classes()[i] ? 1 : 0;
                    total++;
                }
            }
            double accuracy = (double) right / total;
            out.printf(java.util.Locale.ROOT, "%s: loss %.4f -> %.4f, validation accuracy %.1f%%%n", task,
                    r.firstLoss(), r.lastLoss(20), 100 * accuracy);
            return new Outcome(r, accuracy);
        }
    }

    SequenceModel.Batch batch(Random r) {
        float[] x = new float[length * batch];
        int[] lengths = new int[batch];
        int[] labels = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = 1 + r.nextInt(length);
            int ones = 0;
            for (int t = 0; t < lengths[b]; t++) {
                boolean one = r.nextBoolean();
                x[t * batch + b] = one ? 1f : -1f;
                ones += one ? 1 : 0;
            }
            labels[b] = task.equals("parity") ? ones % 2 : (2 * ones > lengths[b] ? 1 : 0);
        }
        return new SequenceModel.Batch(length, batch, null, x, lengths, labels, null);
    }
}
