package dev.rnn4j.examples;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.WeightPrecision;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.EarlyStopping;
import dev.rnn4j.train.LearningRateSchedule;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;
import dev.rnn4j.train.TruncatedBptt;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.LongToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Character-level language model (Karpathy's char-rnn): embedding → 2-layer LSTM → softmax over the characters,
 * trained on random windows of a text with Adam (or, with {@code --tbptt K1:K2}, on {@code --batch} contiguous
 * streams through it by truncated BPTT), validated on its last tenth, then sampled with a temperature. A run
 * resumed from its checkpoint ({@code --resume}) with the same options continues exactly as the uninterrupted run
 * would have (on the CPU backend; early stopping's patience starts afresh).
 */
@Command(name = "char-rnn", mixinStandardHelpOptions = true,
        description = "Character-level language model on a text file, sampled with a temperature at the end.")
final class CharRnnExample implements Callable<Integer> {
    static final Path DEFAULT_TEXT = Path.of("..", "shared", "data", "tinyshakespeare.txt");

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--text", paramLabel = "FILE",
            description = "Training text (default: tinyshakespeare.txt in the development machines' shared data, "
                    + "where it exists).")
    Path text;

    @Option(names = "--hidden", defaultValue = "256") int hidden;
    @Option(names = "--layers", defaultValue = "2") int layers;
    @Option(names = "--embed", defaultValue = "64") int embed;
    @Option(names = "--seq", defaultValue = "100") int seq;
    @Option(names = "--batch", defaultValue = "32") int batch;
    @Option(names = "--dropout", defaultValue = "0.0") float dropout;
    @Option(names = "--tbptt", paramLabel = "K1:K2", description = "Train on --batch contiguous streams through the"
            + " text instead of random windows: every K1 characters, their loss backpropagated through the last K2"
            + " (K1 <= K2; --seq is then only the validation windows' length).") String tbptt;
    @Option(names = "--sample", defaultValue = "400", description = "Characters to sample at the end.") int sample;
    @Option(names = "--resume", paramLabel = "FILE", description = "Continue from a checkpoint this example wrote,"
            + " e.g. OUT/char-rnn-latest.safetensors (the same text and options; --steps counts from the start of the"
            + " first run).") Path resume;
    @Option(names = "--temperature", defaultValue = "0.8") float temperature;
    @Option(names = "--eval-every", defaultValue = "100") int evalEvery;
    @Option(names = "--patience", defaultValue = "10",
            description = "Stop after this many validations without improvement (0: never).") int patience;

    /** What a run gives back to tests. */
    record Outcome(TrainingRun.Result result, String sampled, List<Character> vocabulary) {
    }

    @Override
    public Integer call() throws IOException {
        Outcome o = train(spec.commandLine().getOut());
        spec.commandLine().getOut().println("--- sample (temperature " + temperature + ") ---");
        spec.commandLine().getOut().println(o.sampled());
        return 0;
    }

    Outcome train(PrintWriter out) throws IOException {
        int[] k = tbptt == null ? null : strides(tbptt);
        Path file = text != null ? text : DEFAULT_TEXT;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no text at " + file + "; pass --text FILE");
        }
        String content = Files.readString(file, StandardCharsets.UTF_8);
        if (content.length() < 2 * (seq + 1)) {
            throw new IllegalArgumentException(file + " holds " + content.length() + " characters; --seq " + seq
                    + " needs at least " + 2 * (seq + 1));
        }
        List<Character> vocab = new ArrayList<>(new TreeSet<>(content.chars().mapToObj(c -> (char) c).toList()));
        int[] index = new int[Character.MAX_VALUE + 1];
        for (int i = 0; i < vocab.size(); i++) {
            index[vocab.get(i)] = i;
        }
        int[] ids = content.chars().map(c -> index[c]).toArray();
        int split = Math.max(seq + 1, (int) (ids.length * 0.9));
        int[] trainIds = java.util.Arrays.copyOf(ids, split);
        int[] validIds = java.util.Arrays.copyOfRange(ids, Math.min(split, ids.length - seq - 1), ids.length);
        RnnSpec rnn = RnnSpec.builder(CellType.LSTM).inputSize(embed).hiddenSize(hidden).layers(layers).build();
        SequenceModel.Config config = new SequenceModel.Config(vocab.size(), rnn, dropout, vocab.size(),
                SequenceModel.Head.EVERY_STEP, SequenceModel.Loss.CROSS_ENTROPY, common.seed);
        out.println("char-rnn: " + ids.length + " characters, vocabulary " + vocab.size() + ", " + config.rnn());
        try (Backend backend = Backends.open(common.backend);
             SequenceModel model = new SequenceModel(backend, config);
             Optimizer adam = Optimizer.adam(backend, common.learningRate(2e-3f), 0f, false)) {
            out.println("backend: " + backend.name() + " (" + backend.device().name() + ")");
            Checkpoint.Restored restored = resume == null ? null : resume(model, adam, out);
            long firstStep = restored == null ? 0 : restored.step();
            List<SequenceModel.Batch> validation = validationWindows(validIds);
            TrainingRun.Settings settings = new TrainingRun.Settings(common.steps, common.maxTime(), evalEvery, 5.0,
                    LearningRateSchedule.constant(common.learningRate(2e-3f)), common.out.resolve("char-rnn.safetensors"),
                    common.out.resolve("char-rnn-loss.png"), patience > 0 ? new EarlyStopping(patience, 1e-3) : null);
            TrainingRun.Result r;
            if (tbptt == null) {
                r = TrainingRun.runUpdates(model, adam, step -> model.trainStep(
                        windows(trainIds, new Random(common.seed * 1_000_003 + step)), adam, settings.clipNorm()),
                        () -> validation, settings, out, firstStep, () -> null);
            } else {
                out.println("truncated BPTT: k1 = " + k[0] + ", k2 = " + k[1] + " over " + batch + " streams");
                try (TruncatedBptt t = new TruncatedBptt(model, k[0], k[1])) {
                    SequenceModel.Batch streams = streams(trainIds);
                    if (restored != null) {
                        t.resume(streams, restored.streamProgress());
                    }
                    LongToDoubleFunction update = step -> {
                        if (!t.hasNext()) {
                            t.start(streams); // a new pass over the text, from zero states
                        }
                        return t.trainNext(adam, settings.clipNorm());
                    };
                    r = TrainingRun.runUpdates(model, adam, update, () -> validation, settings, out, firstStep,
                            t::progress);
                }
            }
            out.printf(java.util.Locale.ROOT, "trained %d steps in %.1f s: %.2f steps/s, loss %.4f -> %.4f%n", r.steps(),
                    r.seconds(), r.stepsPerSecond(), r.firstLoss(), r.lastLoss(20));
            out.println("validation curve (step, seconds, loss):");
            for (double[] v : r.validation()) {
                out.printf(java.util.Locale.ROOT, "%d %.1f %.4f%n", (long) v[0], v[2], v[1]);
            }
            reportRoundedWeights(model, validation, out);
            return new Outcome(r, sample(model, vocab, ids[0]), vocab);
        }
    }

    /**
     * The validation loss with the recurrent weights rounded to bfloat16 and to int8, which is exactly what an
     * inference layer holding them in that precision computes: the accuracy the smaller weights cost this model.
     */
    static void reportRoundedWeights(SequenceModel model, List<SequenceModel.Batch> validation, PrintWriter out) {
        RnnParameters exact = model.recurrentWeights();
        out.print("validation loss by recurrent weight precision:");
        for (WeightPrecision p : WeightPrecision.values()) {
            model.setRecurrentWeights(exact.roundedTo(p));
            double sum = 0;
            for (SequenceModel.Batch b : validation) {
                sum += model.evaluate(b);
            }
            out.printf(java.util.Locale.ROOT, " %s %.4f", p.label(), sum / validation.size());
        }
        out.println();
        model.setRecurrentWeights(exact);
    }

    /** Loads {@code --resume} into the model and optimizer, refusing a checkpoint of the other training mode. */
    private Checkpoint.Restored resume(SequenceModel model, Optimizer adam, PrintWriter out) throws IOException {
        Checkpoint.Restored r = Checkpoint.load(resume, model, adam);
        if (tbptt != null && r.streamProgress() == null) {
            throw new IllegalArgumentException(resume + " was written by a run on random windows; resume it without"
                    + " --tbptt");
        }
        if (tbptt == null && r.streamProgress() != null) {
            TruncatedBptt.Progress p = r.streamProgress();
            throw new IllegalArgumentException(resume + " was written by a --tbptt " + p.k1() + ":" + p.k2()
                    + " run; resume it with that option");
        }
        out.println("resumed from " + resume + " at step " + r.step());
        return r;
    }

    /**
     * The validation set: 4 batches of windows evenly spaced over the held-out text, so that any implementation
     * (bench/peer/char_rnn_torch.py does the same) measures on the same characters.
     */
    List<SequenceModel.Batch> validationWindows(int[] ids) {
        List<SequenceModel.Batch> out = new ArrayList<>();
        int n = 4 * batch;
        long room = ids.length - seq - 1;
        for (int v = 0; v < 4; v++) {
            int[] starts = new int[batch];
            for (int b = 0; b < batch; b++) {
                starts[b] = (int) (room * (v * batch + b) / n);
            }
            out.add(textAt(ids, starts, seq));
        }
        return out;
    }

    /** {@code K1:K2} → {k1, k2}, with a clear error for anything else. */
    static int[] strides(String text) {
        String[] parts = text.split(":", -1);
        try {
            if (parts.length == 2) {
                int k1 = Integer.parseInt(parts[0].trim());
                int k2 = Integer.parseInt(parts[1].trim());
                if (k1 >= 1 && k2 >= k1) {
                    return new int[] {k1, k2};
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--tbptt takes K1:K2 with 1 <= K1 <= K2 (e.g. 25:100), got '" + text + "'");
    }

    /** The text cut into {@code batch} contiguous streams side by side: inputs and next-character targets. */
    SequenceModel.Batch streams(int[] ids) {
        int length = (ids.length - 1) / batch;
        if (length < 1) {
            throw new IllegalArgumentException("the training text is too short for " + batch + " streams");
        }
        int[] starts = new int[batch];
        for (int b = 0; b < batch; b++) {
            starts[b] = b * length;
        }
        return textAt(ids, starts, length);
    }

    /** {@code batch} random windows of {@code seq + 1} characters: inputs and next-character targets. */
    SequenceModel.Batch windows(int[] ids, Random r) {
        int[] starts = new int[batch];
        for (int b = 0; b < batch; b++) {
            starts[b] = r.nextInt(ids.length - seq);
        }
        return textAt(ids, starts, seq);
    }

    /** Row {@code b} reads {@code steps} characters from {@code starts[b]}, each target the character after. */
    static SequenceModel.Batch textAt(int[] ids, int[] starts, int steps) {
        int rows = starts.length;
        int[] tokens = new int[steps * rows];
        int[] targets = new int[steps * rows];
        for (int b = 0; b < rows; b++) {
            for (int t = 0; t < steps; t++) {
                tokens[t * rows + b] = ids[starts[b] + t];
                targets[t * rows + b] = ids[starts[b] + t + 1];
            }
        }
        return new SequenceModel.Batch(steps, rows, tokens, null, null, targets, null);
    }

    /** Feeds one character at a time with carried state, sampling each next one from softmax(logits / T). */
    String sample(SequenceModel model, List<Character> vocab, int first) {
        Random r = new Random(common.seed + 17);
        model.setCarryState(true);
        StringBuilder s = new StringBuilder().append(vocab.get(first));
        int current = first;
        for (int i = 0; i < sample; i++) {
            float[] logits = model.predict(new SequenceModel.Batch(1, 1, new int[] {current}, null, null, null, null));
            current = Sampling.draw(logits, temperature, r);
            s.append(vocab.get(current));
        }
        model.setCarryState(false);
        return s.toString();
    }
}
