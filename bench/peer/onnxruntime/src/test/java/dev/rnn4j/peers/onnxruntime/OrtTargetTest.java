package dev.rnn4j.peers.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.CellType;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.internal.reference.ReferenceRnn;
import java.util.Random;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The peer runs the same model as rnn4j: the exported graph's outputs equal the double-precision oracle's for the
 * same weights (so the gate reordering is right), in one call and streamed a step at a time.
 */
class OrtTargetTest {

    @ParameterizedTest
    @EnumSource(CellType.class)
    void theExportedModelComputesWhatRnn4jComputes(CellType cell) throws Exception {
        RnnSpec spec = new RnnSpec(cell, 5, 6, 2, false, true);
        RnnParameters w = RnnParameters.uniform(spec, 3);
        int steps = 4;
        Random r = new Random(1);
        float[] x = new float[steps * spec.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        ReferenceRnn.Result want = ReferenceRnn.of(w).forward(ReferenceRnn.widen(x), steps, 1, null, null, null);
        try (OrtTarget ort = new OrtTarget(w)) {
            float[] got = ort.outputs(x, steps);
            assertEquals(want.output().length, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(want.output()[i], got[i], 1e-5, cell + " output " + i);
            }
            // Streamed one step per tick: each layer's state out and back in ends where the whole run ends.
            try (OrtTarget.OrtStreams g = ort.openStreams(0, 1)) {
                Histogram h = new Histogram(3);
                for (int t = 0; t < steps; t++) {
                    float[] step = java.util.Arrays.copyOfRange(x, t * spec.inputSize(), (t + 1) * spec.inputSize());
                    g.tick(new float[][] {step}, 1, System.nanoTime(), h);
                }
                assertEquals(steps, h.getTotalCount());
                for (int l = 0; l < spec.layers(); l++) {
                    float[] hl = g.hidden(0, l);
                    for (int j = 0; j < hl.length; j++) {
                        assertEquals(want.hN()[l * spec.hiddenSize() + j], hl[j], 1e-5, cell + " layer " + l);
                    }
                }
            }
            assertTrue(ort.describe().contains("ONNX Runtime Java 1."), ort.describe());
        }
    }
}
