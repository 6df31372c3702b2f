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
 * Many-to-many tagging with a bidirectional LSTM: tag each token 1 when it is larger than both neighbours (a
 * local peak), which needs the future as much as the past.
 */
@Command(name = "tag", mixinStandardHelpOptions = true,
        description = "Many-to-many tagging (local peaks in a token sequence) with a bidirectional LSTM.")
final class TaggingExample implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--vocabulary", defaultValue = "10") int vocabulary;
    @Option(names = "--length", defaultValue = "20") int length;
    @Option(names = "--hidden", defaultValue = "32") int hidden;
    @Option(names = "--batch", defaultValue = "16") int batch;

    @Override
    public Integer call() {
        run(spec.commandLine().getOut());
        return 0;
    }

    TrainingRun.Result run(PrintWriter out) {
        RnnSpec rnn = RnnSpec.builder(CellType.LSTM).inputSize(16).hiddenSize(hidden).bidirectional(true).build();
        try (Backend backend = Backends.open(common.backend);
             SequenceModel model = new SequenceModel(backend, new SequenceModel.Config(vocabulary, rnn, 0f, 2,
                     SequenceModel.Head.EVERY_STEP, SequenceModel.Loss.CROSS_ENTROPY, common.seed));
             Optimizer adam = Optimizer.adam(backend, common.learningRate(1e-2f), 0f, false)) {
            TrainingRun.Result r = TrainingRun.run(model, adam, step -> batch(new Random(common.seed * 131 + step)),
                    null, new TrainingRun.Settings(common.steps, common.maxTime(), 0, 5,
                            LearningRateSchedule.constant(common.learningRate(1e-2f)), null,
                            common.out.resolve("tag-loss.png"), null), out);
            out.printf(java.util.Locale.ROOT, "tagging: loss %.4f -> %.4f%n", r.firstLoss(), r.lastLoss(20));
            return r;
        }
    }

    SequenceModel.Batch batch(Random r) {
        int[] tokens = new int[length * batch];
        int[] tags = new int[length * batch];
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = 3 + r.nextInt(length - 2);
            for (int t = 0; t < lengths[b]; t++) {
                tokens[t * batch + b] = r.nextInt(vocabulary);
            }
            for (int t = 0; t < length; t++) {
                if (t >= lengths[b]) {
                    tags[t * batch + b] = -1; // padding
                    continue;
                }
                int v = tokens[t * batch + b];
                boolean left = t == 0 || tokens[(t - 1) * batch + b] < v;
                boolean right = t == lengths[b] - 1 || tokens[(t + 1) * batch + b] < v;
                tags[t * batch + b] = left && right ? 1 : 0;
            }
        }
        return new SequenceModel.Batch(length, batch, tokens, null, lengths, tags, null);
    }
}
