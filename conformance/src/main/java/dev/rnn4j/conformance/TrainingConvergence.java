package dev.rnn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;
import java.util.Random;

/** Small training runs that must converge on every backend (every example must converge). */
final class TrainingConvergence {
    private TrainingConvergence() {
    }

    /** A 2-layer LSTM learns a 7-character cycle: mean cross-entropy from ~ln 7 to under a tenth of it. */
    static void languageModel(Backend backend) {
        String text = "abcdefg";
        int vocab = text.length();
        int T = 12;
        int B = 4;
        RnnSpec spec = RnnSpec.builder(CellType.LSTM).inputSize(8).hiddenSize(16).layers(2).build();
        try (SequenceModel m = new SequenceModel(backend, new SequenceModel.Config(vocab, spec, 0.1f, vocab,
                SequenceModel.Head.EVERY_STEP, SequenceModel.Loss.CROSS_ENTROPY, 7));
             Optimizer adam = Optimizer.adam(backend, 0.02f, 0f, false)) {
            Random r = new Random(3);
            double first = 0;
            double last = 0;
            for (int step = 0; step < 150; step++) {
                int[] tokens = new int[T * B];
                int[] targets = new int[T * B];
                for (int b = 0; b < B; b++) {
                    int start = r.nextInt(vocab);
                    for (int t = 0; t < T; t++) {
                        tokens[t * B + b] = (start + t) % vocab;
                        targets[t * B + b] = (start + t + 1) % vocab;
                    }
                }
                double loss = m.trainStep(new SequenceModel.Batch(T, B, tokens, null, null, targets, null), adam, 5);
                if (step == 0) {
                    first = loss;
                }
                last = loss;
            }
            assertTrue(last < first / 10, backend.name() + ": language-model loss went from " + first + " to " + last);
        }
    }

    /** A bidirectional GRU tells the parity of a ±1 sequence of variable length from its last states. */
    static void parityClassifier(Backend backend) {
        int T = 6;
        int B = 16;
        RnnSpec spec = RnnSpec.builder(CellType.GRU).inputSize(1).hiddenSize(24).bidirectional(true).build();
        try (SequenceModel m = new SequenceModel(backend, new SequenceModel.Config(0, spec, 0f, 2,
                SequenceModel.Head.LAST_STEP, SequenceModel.Loss.CROSS_ENTROPY, 9));
             Optimizer adam = Optimizer.adam(backend, 0.01f, 0f, false)) {
            Random r = new Random(4);
            double first = 0;
            double late = 0;
            for (int step = 0; step < 400; step++) {
                float[] x = new float[T * B];
                int[] lengths = new int[B];
                int[] labels = new int[B];
                for (int b = 0; b < B; b++) {
                    lengths[b] = 2 + r.nextInt(T - 1);
                    int ones = 0;
                    for (int t = 0; t < lengths[b]; t++) {
                        boolean one = r.nextBoolean();
                        x[t * B + b] = one ? 1f : -1f;
                        ones += one ? 1 : 0;
                    }
                    labels[b] = ones % 2;
                }
                double loss = m.trainStep(new SequenceModel.Batch(T, B, null, x, lengths, labels, null), adam, 5);
                if (step == 0) {
                    first = loss;
                }
                if (step >= 380) {
                    late += loss / 20;
                }
            }
            assertTrue(late < first / 4, backend.name() + ": parity loss went from " + first + " to " + late);
        }
    }
}
