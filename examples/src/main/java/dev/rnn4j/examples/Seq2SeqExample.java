package dev.rnn4j.examples;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.train.Embedding;
import dev.rnn4j.train.GradientClipping;
import dev.rnn4j.train.Initializers;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;
import dev.rnn4j.train.TrainableTensor;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Encoder–decoder sequence to sequence with teacher forcing: an LSTM encoder reads a digit string, its final states
 * start an LSTM decoder that writes the string reversed; the decoder's initial-state gradient flows back into the
 * encoder. Greedy decoding measures exact-match accuracy.
 */
@Command(name = "seq2seq", mixinStandardHelpOptions = true,
        description = "Encoder-decoder with teacher forcing: reverse digit strings (LSTM encoder and decoder).")
final class Seq2SeqExample implements Callable<Integer> {
    static final int DIGITS = 10;
    static final int GO = 10;

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--length", defaultValue = "6") int length;
    @Option(names = "--hidden", defaultValue = "64") int hidden;
    @Option(names = "--batch", defaultValue = "32") int batch;

    @Override
    public Integer call() {
        run(spec.commandLine().getOut());
        return 0;
    }

    record Outcome(double firstLoss, double lastLoss, double accuracy) {
    }

    Outcome run(PrintWriter out) {
        RnnSpec rnn = RnnSpec.builder(CellType.LSTM).inputSize(16).hiddenSize(hidden).build();
        float lr = common.learningRate(1e-2f);
        try (Backend backend = Backends.open(common.backend);
             Embedding encoderEmbedding = new Embedding(backend, DIGITS + 1, 16, Initializers.normal((DIGITS + 1) * 16,
                     1, new Random(common.seed)));
             RecurrentLayer encoder = RecurrentLayer.create(backend, rnn, Initializers.recurrent(rnn, common.seed + 1,
                     false, true));
             SequenceModel decoder = new SequenceModel(backend, new SequenceModel.Config(DIGITS + 1, rnn, 0f, DIGITS,
                     SequenceModel.Head.EVERY_STEP, SequenceModel.Loss.CROSS_ENTROPY, common.seed + 2));
             Optimizer adam = Optimizer.adam(backend, lr, 0f, false);
             DeviceBuffer ids = backend.allocateInts((long) length * batch)) {
            List<TrainableTensor> all = new ArrayList<>(decoder.trainableTensors());
            List<TrainableTensor> encoderTensors = new ArrayList<>(encoderEmbedding.trainableTensors("encoder.embedding."));
            encoderTensors.addAll(encoder.trainableTensors("encoder.rnn."));
            all.addAll(encoderTensors);
            double first = 0;
            double last = 0;
            long start = System.nanoTime();
            for (long step = 0; step < common.steps; step++) {
                if (common.maxTime() != null && System.nanoTime() - start > common.maxTime().toNanos()) {
                    break;
                }
                int[][] pair = pair(new Random(common.seed * 13 + step));
                for (TrainableTensor t : encoderTensors) {
                    backend.primitives().fill(t.gradient(), 0, t.size(), 0f);
                }
                encode(backend, encoderEmbedding, encoder, ids, pair[0], true);
                decoder.setInitialState(encoder.finalHiddenOnDevice(), encoder.finalCellOnDevice());
                double loss = decoder.computeGradients(new SequenceModel.Batch(length, batch, pair[1], null, null,
                        pair[2], null));
                DeviceBuffer[] dState = decoder.initialStateGradients();
                DeviceBuffer dx = encoder.backwardDataOnDevice(null, dState[0], dState[1]);
                encoder.backwardWeights(false);
                encoderEmbedding.backward(dx, ids, length * batch);
                GradientClipping.clipGlobalNorm(backend, all, 5);
                adam.step(all);
                first = step == 0 ? loss : first;
                last = step == 0 ? loss : 0.95 * last + 0.05 * loss;
                if (step % 200 == 0 || step == common.steps - 1) {
                    out.printf(Locale.ROOT, "step %d  loss %.4f%n", step + 1, loss);
                }
            }
            double accuracy = accuracy(backend, encoderEmbedding, encoder, decoder, ids);
            out.printf(Locale.ROOT, "seq2seq: loss %.4f -> %.4f, exact-match accuracy (greedy) %.1f%%%n", first, last,
                    100 * accuracy);
            decoder.setInitialState(null, null);
            return new Outcome(first, last, accuracy);
        }
    }

    private void encode(Backend backend, Embedding embedding, RecurrentLayer encoder, DeviceBuffer ids, int[] source,
                        boolean training) {
        backend.uploadInts(source, 0, ids, 0, source.length);
        DeviceBuffer x = embedding.forward(ids, length * batch);
        if (training) {
            encoder.forwardTrainingOnDevice(x, length, batch, null, null, null);
        } else {
            encoder.forwardOnDevice(x, length, batch, null, null, null);
        }
    }

    /** {source [T·B], decoder input [T·B] (GO then the target shifted), target [T·B]}: the target reverses the source. */
    int[][] pair(Random r) {
        int[] src = new int[length * batch];
        int[] in = new int[length * batch];
        int[] tgt = new int[length * batch];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                src[t * batch + b] = r.nextInt(DIGITS);
            }
            for (int t = 0; t < length; t++) {
                tgt[t * batch + b] = src[(length - 1 - t) * batch + b];
                in[t * batch + b] = t == 0 ? GO : tgt[(t - 1) * batch + b];
            }
        }
        return new int[][] {src, in, tgt};
    }

    private double accuracy(Backend backend, Embedding embedding, RecurrentLayer encoder, SequenceModel decoder,
                            DeviceBuffer ids) {
        int[][] pair = pair(new Random(-7));
        encode(backend, embedding, encoder, ids, pair[0], false);
        decoder.setCarryState(true);
        decoder.setInitialState(encoder.finalHiddenOnDevice(), encoder.finalCellOnDevice());
        int[] current = new int[batch];
        java.util.Arrays.fill(current, GO);
        boolean[] right = new boolean[batch];
        java.util.Arrays.fill(right, true);
        for (int t = 0; t < length; t++) {
            float[] logits = decoder.predict(new SequenceModel.Batch(1, batch, current, null, null, null, null));
            decoder.setInitialState(null, null); // from the second step on, the carried state
            for (int b = 0; b < batch; b++) {
                int best = 0;
                for (int c = 1; c < DIGITS; c++) {
                    best = logits[b * DIGITS + c] > logits[b * DIGITS + best] ? c : best;
                }
                right[b] &= best == pair[2][t * batch + b];
                current[b] = best;
            }
        }
        decoder.setCarryState(false);
        int n = 0;
        for (boolean ok : right) {
            n += ok ? 1 : 0;
        }
        return (double) n / batch;
    }
}
