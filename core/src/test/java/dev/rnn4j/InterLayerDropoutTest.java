package dev.rnn4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Dropout between stacked layers: training only, the same mask for a seed, and gradients that pass the masks. */
class InterLayerDropoutTest {
    static final RnnSpec SPEC = RnnSpec.builder(CellType.LSTM).inputSize(3).hiddenSize(4).layers(3)
            .bidirectional(true).build();
    static final int T = 5;
    static final int B = 3;
    static final int[] LENGTHS = {5, 2, 4};

    static double loss(RecurrentLayer layer, float[] x, float[] gy, long seed) {
        layer.setDropout(0.4f, seed);
        RnnOutput out = layer.forwardTraining(RnnInput.sequenceMajor(x, T, B).withLengths(LENGTHS));
        double s = 0;
        for (int i = 0; i < gy.length; i++) {
            s += (double) gy[i] * out.output()[i];
        }
        return s;
    }

    @Test
    void gradientsPassTheMasksAndInferenceNeverDrops() {
        Random r = new Random(2);
        float[] x = new float[T * B * 3];
        float[] gy = new float[T * B * SPEC.outputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < gy.length; i++) {
            gy[i] = (float) r.nextGaussian();
        }
        try (Backend b = new ReferenceBackendProvider().open(BackendOptions.defaults());
             RecurrentLayer layer = RecurrentLayer.create(b, SPEC, RnnParameters.uniform(SPEC, 3))) {
            RnnInput in = RnnInput.sequenceMajor(x, T, B).withLengths(LENGTHS);
            float[] inference = layer.forward(in).output();
            layer.setDropout(0f, 0);
            float[] undropped = layer.forwardTraining(in).output();
            assertArrayEquals(inference, undropped, 1e-6f);
            layer.setDropout(0.4f, 9);
            float[] dropped = layer.forwardTraining(in).output();
            assertFalse(Arrays.equals(undropped, dropped), "dropout changed nothing");
            assertArrayEquals(inference, layer.forward(in).output(), 0f, "inference drops nothing");

            loss(layer, x, gy, 9);
            LayerGradients g = layer.backward(new OutputGradients(gy, null, null));
            float[] dx = g.inputs().gradInput();
            float[] dw = g.weights().get("weight_ih_l0");
            int checked = 0;
            for (int i : new int[] {0, 7, 20, 44}) {
                float keep = x[i];
                x[i] = keep + 1e-2f;
                double plus = loss(layer, x, gy, 9);
                x[i] = keep - 1e-2f;
                double minus = loss(layer, x, gy, 9);
                x[i] = keep;
                double numeric = (plus - minus) / 2e-2;
                assertTrue(Math.abs(numeric - dx[i]) <= 1e-3 + 1e-2 * Math.abs(numeric), "dx[" + i + "]: " + dx[i]
                        + " vs " + numeric);
                checked++;
            }
            RnnParameters w = layer.weights();
            for (int i : new int[] {0, 5, 17}) {
                float keep = w.get("weight_ih_l0")[i];
                w.get("weight_ih_l0")[i] = keep + 1e-2f;
                layer.setWeights(w);
                double plus = loss(layer, x, gy, 9);
                w.get("weight_ih_l0")[i] = keep - 1e-2f;
                layer.setWeights(w);
                double minus = loss(layer, x, gy, 9);
                w.get("weight_ih_l0")[i] = keep;
                layer.setWeights(w);
                double numeric = (plus - minus) / 2e-2;
                assertTrue(Math.abs(numeric - dw[i]) <= 1e-3 + 1e-2 * Math.abs(numeric), "dW[" + i + "]: " + dw[i]
                        + " vs " + numeric);
                checked++;
            }
            assertTrue(checked == 7);
        }
    }
}
