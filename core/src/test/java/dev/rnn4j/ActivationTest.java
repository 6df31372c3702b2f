package dev.rnn4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Activation.Function;
import java.util.List;
import org.junit.jupiter.api.Test;

class ActivationTest {

    @Test
    void valuesFollowOnnxDefinitions() {
        assertEquals(0, new Activation(Function.RELU, 0, 0).apply(-2.0));
        assertEquals(Math.tanh(0.3), Activation.TANH.apply(0.3), 0);
        assertEquals(1 / (1 + Math.exp(-0.3)), Activation.SIGMOID.apply(0.3), 0);
        assertEquals(2 * 0.5 + 0.25, new Activation(Function.AFFINE, 2, 0.25f).apply(0.5), 1e-12);
        assertEquals(-0.02, Activation.of(Function.LEAKY_RELU).apply(-2.0), 1e-9); // default alpha 0.01
        assertEquals(0, Activation.of(Function.THRESHOLDED_RELU).apply(0.9)); // default alpha 1: x > 1 passes
        assertEquals(1.5, Activation.of(Function.THRESHOLDED_RELU).apply(1.5));
        assertEquals(1.5 * Math.tanh(0.5 * 0.4), new Activation(Function.SCALED_TANH, 1.5f, 0.5f).apply(0.4), 1e-7);
        assertEquals(0.2 * 1 + 0.5, Activation.of(Function.HARD_SIGMOID).apply(1.0), 1e-7); // defaults 0.2, 0.5
        assertEquals(1, Activation.of(Function.HARD_SIGMOID).apply(10.0));
        assertEquals(Math.exp(-1) - 1, Activation.of(Function.ELU).apply(-1.0), 1e-12);
        assertEquals(-0.5, Activation.of(Function.SOFTSIGN).apply(-1.0));
        assertEquals(Math.log(1 + Math.exp(0.7)), Activation.of(Function.SOFTPLUS).apply(0.7), 1e-12);
        assertEquals(1000, Activation.of(Function.SOFTPLUS).apply(1000.0), 1e-9); // no overflow
    }

    @Test
    void derivativesMatchFiniteDifferencesAwayFromKinks() {
        List<Activation> all = List.of(Activation.RELU, Activation.TANH, Activation.SIGMOID,
                new Activation(Function.AFFINE, 0.7f, -0.2f), new Activation(Function.LEAKY_RELU, 0.1f, 0),
                new Activation(Function.THRESHOLDED_RELU, 0.25f, 0), new Activation(Function.SCALED_TANH, 1.3f, 0.6f),
                new Activation(Function.HARD_SIGMOID, 0.3f, 0.4f), new Activation(Function.ELU, 0.8f, 0),
                Activation.of(Function.SOFTSIGN), Activation.of(Function.SOFTPLUS));
        assertEquals(Function.values().length, all.size());
        for (Activation a : all) {
            for (double x : new double[] {-3.1, -0.9, -0.13, 0.11, 0.6, 2.7}) {
                double h = 1e-6;
                double numeric = (a.apply(x + h) - a.apply(x - h)) / (2 * h);
                assertEquals(numeric, a.derivative(x), 1e-6, a + " at " + x);
            }
        }
    }

    @Test
    void onnxAttributesAreConsumedInOrderByTheFunctionsThatTakeThem() {
        List<Activation> list = Activation.fromOnnx(List.of("HardSigmoid", "tanh", "LeakyRelu", "ScaledTanh"),
                new float[] {0.3f, 0.05f, 2f}, new float[] {0.6f, 0.5f});
        assertEquals(List.of(new Activation(Function.HARD_SIGMOID, 0.3f, 0.6f), Activation.TANH,
                new Activation(Function.LEAKY_RELU, 0.05f, 0), new Activation(Function.SCALED_TANH, 2f, 0.5f)), list);
        assertEquals(List.of("HardSigmoid", "Tanh", "LeakyRelu", "ScaledTanh"), Activation.onnxNames(list));
        assertArrayEquals(new float[] {0.3f, 0.05f, 2f}, Activation.onnxAlphas(list));
        assertArrayEquals(new float[] {0.6f, 0.5f}, Activation.onnxBetas(list));
        // Omitted values take the ONNX operators' defaults.
        assertEquals(List.of(new Activation(Function.ELU, 1f, 0), new Activation(Function.HARD_SIGMOID, 0.2f, 0.5f)),
                Activation.fromOnnx(List.of("Elu", "HardSigmoid"), null, null));
    }

    @Test
    void badOnnxAttributesSayWhatIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Activation.fromOnnx(List.of("Swish"), null,
                null)).getMessage().contains("unknown activation 'Swish'; expected one of Relu, Tanh"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Activation.fromOnnx(List.of("ScaledTanh"),
                new float[] {1f}, null)).getMessage().contains("ScaledTanh has no default"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Activation.fromOnnx(List.of("Tanh"),
                new float[] {1f}, null)).getMessage().contains("take only 0 and 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Activation(Function.TANH, 1f, 0))
                .getMessage().contains("Tanh takes no alpha"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Activation(Function.ELU, Float.NaN, 0))
                .getMessage().contains("Elu needs a finite alpha"));
    }

    @Test
    void specsCountActivationsPerDirectionAndForgetTheCellsOwn() {
        RnnSpec own = RnnSpec.builder(CellType.LSTM).inputSize(2).hiddenSize(3)
                .activations(List.of(Activation.SIGMOID, Activation.TANH, Activation.TANH)).build();
        assertEquals(RnnSpec.builder(CellType.LSTM).inputSize(2).hiddenSize(3).build(), own);
        RnnSpec both = RnnSpec.builder(CellType.GRU).inputSize(2).hiddenSize(3).bidirectional(true)
                .activations(List.of(Activation.SIGMOID, Activation.RELU, Activation.SIGMOID, Activation.TANH)).build();
        assertEquals(List.of(Activation.SIGMOID, Activation.RELU), both.activations(0));
        assertEquals(List.of(Activation.SIGMOID, Activation.TANH), both.activations(1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RnnSpec.builder(CellType.LSTM).inputSize(2)
                .hiddenSize(3).activations(List.of(Activation.TANH)).build()).getMessage()
                .contains("LSTM takes 3 activations per direction (f, g, h), or 6 for both directions; got 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RnnSpec.builder(CellType.RNN_TANH).inputSize(2)
                .hiddenSize(3).activations(List.of(Activation.RELU, Activation.TANH)).build()).getMessage()
                .contains("a unidirectional RNN_TANH takes 1 activations, got 2"));
    }
}
