package dev.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every gradient of whole models — embedding or dense input, recurrent stack, head on every step or the last, both
 * losses, bidirectional, variable lengths — against central finite differences of the loss, on the reference
 * backend (float storage, double arithmetic; hence a loose tolerance), dropout off.
 */
class SequenceModelGradientTest {

    static Stream<Arguments> models() {
        RnnSpec lstm = RnnSpec.builder(CellType.LSTM).inputSize(4).hiddenSize(5).layers(2).build();
        RnnSpec gru = RnnSpec.builder(CellType.GRU).inputSize(3).hiddenSize(4).bidirectional(true).build();
        return Stream.of(
                Arguments.of("token LSTM language model, every step, cross-entropy",
                        new SequenceModel.Config(7, lstm, 0f, 7, SequenceModel.Head.EVERY_STEP,
                                SequenceModel.Loss.CROSS_ENTROPY, 1)),
                Arguments.of("dense bidirectional GRU, last step, cross-entropy",
                        new SequenceModel.Config(0, gru, 0f, 3, SequenceModel.Head.LAST_STEP,
                                SequenceModel.Loss.CROSS_ENTROPY, 2)),
                Arguments.of("dense bidirectional GRU, every step, squared error",
                        new SequenceModel.Config(0, gru, 0f, 2, SequenceModel.Head.EVERY_STEP,
                                SequenceModel.Loss.SQUARED_ERROR, 3)),
                Arguments.of("token LSTM, last step, squared error",
                        new SequenceModel.Config(6, lstm, 0f, 2, SequenceModel.Head.LAST_STEP,
                                SequenceModel.Loss.SQUARED_ERROR, 4)));
    }

    static SequenceModel.Batch batch(SequenceModel.Config c, Random r) {
        int T = 4;
        int B = 3;
        int[] lengths = {4, 2, 3};
        boolean every = c.head() == SequenceModel.Head.EVERY_STEP;
        int rows = every ? T * B : B;
        int[] tokens = null;
        float[] inputs = null;
        if (c.vocabulary() > 0) {
            tokens = new int[T * B];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = r.nextInt(c.vocabulary());
            }
        } else {
            inputs = new float[T * B * c.rnn().inputSize()];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = (float) r.nextGaussian();
            }
        }
        int[] classes = null;
        float[] values = null;
        if (c.loss() == SequenceModel.Loss.CROSS_ENTROPY) {
            classes = new int[rows];
            for (int i = 0; i < rows; i++) {
                classes[i] = every && i / B >= lengths[i % B] ? -1 : r.nextInt(c.outputs());
            }
        } else {
            values = new float[rows * c.outputs()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) r.nextGaussian();
            }
        }
        return new SequenceModel.Batch(T, B, tokens, inputs, lengths, classes, values);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void everyGradientMatchesFiniteDifferences(String name, SequenceModel.Config config) {
        Random r = new Random(config.seed());
        try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
             SequenceModel model = new SequenceModel(backend, config)) {
            SequenceModel.Batch b = batch(config, r);
            model.computeGradients(b);
            List<TrainableTensor> tensors = model.trainableTensors();
            int checked = 0;
            for (TrainableTensor t : tensors) {
                float[] w = new float[(int) t.size()];
                float[] g = new float[w.length];
                backend.download(t.value(), 0, w, 0, w.length);
                backend.download(t.gradient(), 0, g, 0, g.length);
                // A few elements of every tensor: the first, the last and some between.
                for (int i : new int[] {0, w.length / 3, w.length / 2, w.length - 1}) {
                    float keep = w[i];
                    float eps = 1e-2f * Math.max(1f, Math.abs(keep));
                    w[i] = keep + eps;
                    backend.upload(w, 0, t.value(), 0, w.length);
                    double plus = model.evaluate(b);
                    w[i] = keep - eps;
                    backend.upload(w, 0, t.value(), 0, w.length);
                    double minus = model.evaluate(b);
                    w[i] = keep;
                    backend.upload(w, 0, t.value(), 0, w.length);
                    double numeric = (plus - minus) / (2 * eps);
                    double diff = Math.abs(numeric - g[i]);
                    assertTrue(diff <= 1e-4 + 1e-2 * Math.abs(numeric), name + " " + t.name() + "[" + i + "]: analytic "
                            + g[i] + " vs numeric " + numeric);
                    checked++;
                }
            }
            assertTrue(checked >= 4 * 5, "checked " + checked);
        }
    }
}
