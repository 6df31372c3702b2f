package dev.rnn4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The rounding that defines reduced-precision weights, and the layer that holds them: it computes with the rounded
 * values, reports them, rounds again on new weights, and refuses every training call with a message saying what to
 * do.
 */
class WeightPrecisionTest {

    @Test
    void bfloat16RoundsToNearestTiesToEven() {
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to the even significand, 1.
        assertEquals(1f, WeightPrecision.toBfloat16(1f + 0x1p-8f));
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): up.
        assertEquals(1f + 0x1p-6f, WeightPrecision.toBfloat16(1f + 3 * 0x1p-8f));
        assertEquals(1f + 0x1p-7f, WeightPrecision.toBfloat16(1f + 0x1p-7f + 0x1p-12f));
        assertEquals(-2.5f, WeightPrecision.toBfloat16(-2.5f));
        assertEquals(0f, WeightPrecision.toBfloat16(0f));
        Random r = new Random(1);
        for (int i = 0; i < 100_000; i++) {
            float x = (float) (r.nextGaussian() * Math.exp(r.nextGaussian() * 5));
            float b = WeightPrecision.toBfloat16(x);
            assertEquals(0, Float.floatToRawIntBits(b) & 0xFFFF, "a bfloat16");
            assertTrue(Math.abs(b - x) <= Math.abs(x) * 0x1p-8f, x + " → " + b);
        }
    }

    @Test
    void bfloat16RefusesWhatItCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> WeightPrecision.toBfloat16(Float.NaN));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightPrecision.toBfloat16(Float.MAX_VALUE));
        assertTrue(e.getMessage().contains("range"), e.getMessage());
    }

    @Test
    void int8HasOneScalePerRowAndIntegersUpTo127() {
        float[] w = {0.5f, -1f, 0.25f, 0.001f, /* row 2 */ 0, 0, 0, 0, /* row 3 */ 100f, -3f, 7f, 50f};
        float[] original = w.clone();
        float[] scales = WeightPrecision.INT8.roundInPlace(w, 0, 3, 4);
        assertEquals(1f / 127, scales[0]);
        assertEquals(0f, scales[1], "a row of zeros");
        assertEquals(100f / 127, scales[2]);
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                float v = w[r * 4 + c];
                int q = scales[r] == 0 ? 0 : Math.round(v / scales[r]);
                assertTrue(Math.abs(q) <= 127);
                assertEquals(q * scales[r], v, "q · scale exactly");
                assertTrue(Math.abs(v - original[r * 4 + c]) <= scales[r] / 2 * 1.0001f);
            }
        }
        assertEquals(-1f, w[1], 1e-7f, "the row's largest magnitude is ±127 · scale");
        assertThrows(IllegalArgumentException.class, () -> WeightPrecision.INT8.roundInPlace(new float[] {1,
                Float.POSITIVE_INFINITY}, 0, 1, 2));
    }

    @Test
    void namesParseAsOptionsSpellThem() {
        assertEquals(WeightPrecision.BFLOAT16, WeightPrecision.parse("bf16"));
        assertEquals(WeightPrecision.INT8, WeightPrecision.parse(" INT8 "));
        assertEquals(WeightPrecision.FLOAT32, WeightPrecision.parse("fp32"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WeightPrecision.parse("fp8"));
        assertTrue(e.getMessage().contains("float32, bfloat16 or int8"), e.getMessage());
        assertEquals("bfloat16", WeightPrecision.BFLOAT16.label());
    }

    @Test
    void aLayerComputesWithTheRoundedWeightsAndRefusesToTrain() {
        RnnSpec spec = new RnnSpec(CellType.LSTM, 5, 6, 2, true, true);
        RnnParameters w = RnnParameters.uniform(spec, 3);
        float[] x = new float[4 * 2 * 5];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        RnnInput in = RnnInput.sequenceMajor(x, 4, 2);
        try (Backend b = Backends.open("reference")) {
            for (WeightPrecision p : new WeightPrecision[] {WeightPrecision.BFLOAT16, WeightPrecision.INT8}) {
                RnnParameters rounded = w.roundedTo(p);
                try (RecurrentLayer held = RecurrentLayer.create(b, spec, w, LayerOptions.defaults()
                        .withWeightPrecision(p));
                     RecurrentLayer exact = RecurrentLayer.create(b, spec, rounded)) {
                    assertEquals(p, held.options().weightPrecision());
                    assertTrue(held.toString().contains(p.label()), held.toString());
                    for (Parameter prm : RnnParameters.describe(spec)) {
                        assertArrayEquals(rounded.get(prm.name()), held.weights().get(prm.name()), prm.name());
                        if (!WeightPrecision.applies(prm.kind())) {
                            assertArrayEquals(w.get(prm.name()), held.weights().get(prm.name()), "biases as given");
                        }
                    }
                    assertNotEquals(w.get("weight_hh_l0")[0], rounded.get("weight_hh_l0")[0]);
                    RnnOutput a = held.forward(in);
                    RnnOutput e = exact.forward(in);
                    assertArrayEquals(e.output(), a.output(), "the reference computes from the rounded floats");
                    assertArrayEquals(e.hN(), a.hN());

                    RnnParameters other = RnnParameters.uniform(spec, 4);
                    held.setWeights(other);
                    assertArrayEquals(other.roundedTo(p).get("weight_ih_l1"), held.weights().get("weight_ih_l1"),
                            "new weights are rounded too");
                    try (RecurrentLayer copy = held.copy()) {
                        assertEquals(p, copy.options().weightPrecision());
                    }

                    IllegalStateException t = assertThrows(IllegalStateException.class, () -> held.forwardTraining(in));
                    assertTrue(t.getMessage().contains(p.label() + " weights and is for inference only"),
                            t.getMessage());
                    assertThrows(IllegalStateException.class, () -> held.trainableTensors("rnn."));
                    assertThrows(IllegalStateException.class, () -> held.backwardWeights(false));
                    assertThrows(IllegalStateException.class, () -> held.backwardData(
                            new OutputGradients(null, null, null)));
                }
            }
        }
    }

    @Test
    void optionsDefaultToFloat32() {
        assertEquals(WeightPrecision.FLOAT32, LayerOptions.defaults().weightPrecision());
        assertThrows(NullPointerException.class, () -> new LayerOptions(null));
        assertNull(WeightPrecision.FLOAT32.roundInPlace(new float[] {0.1f}, 0, 1, 1));
    }
}
