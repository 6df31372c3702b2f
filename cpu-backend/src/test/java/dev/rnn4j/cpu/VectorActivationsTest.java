package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The vector sigmoid and tanh of the fused cells against double-precision math, over every float in [−20, 20] at
 * a fine stride plus the edges (signed zeros, subnormals, huge values, infinities, NaN). The bound is in units in
 * the last place of the float result, so a cheaper approximation that loses accuracy fails here.
 */
class VectorActivationsTest {
    /**
     * Worst error allowed, in ulps of the exact result rounded to float. sigmoid is {@code 1 / (1 + exp(−x))}:
     * exp's own error plus two roundings; tanh is one library call. (A rational tanh measured 1.6x faster gave
     * 5.6 ulps and was not taken: see the cpu package notes.)
     */
    private static final double SIGMOID_ULPS = 3;
    private static final double TANH_ULPS = 2;

    private static final float[] EDGES = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, -1e-30f, 1e-7f, -1e-7f,
            9f, -9f, 30f, -30f, 88f, -88f, 89f, -89f, 1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

    private static double worstUlps(UnaryOperator<FloatVector> f, DoubleUnaryOperator exact, double maxUlps,
                                    float from, float to, float stride) {
        int vl = VectorGemm.VL;
        int n = (int) ((to - from) / stride) + 1;
        float[] x = new float[(n + EDGES.length + vl - 1) / vl * vl];
        for (int i = 0; i < n; i++) {
            x[i] = from + i * stride;
        }
        System.arraycopy(EDGES, 0, x, n, EDGES.length);
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += vl) {
            f.apply(FloatVector.fromArray(VectorGemm.S, x, i)).intoArray(y, i);
        }
        double worst = 0;
        for (int i = 0; i < n + EDGES.length; i++) {
            double e = exact.applyAsDouble(x[i]);
            assertTrue(Float.isFinite(y[i]), "f(" + x[i] + ") = " + y[i]);
            // Results below the normal float range may come out as zero (exp(89) overflows): an error of at most
            // Float.MIN_NORMAL there is accepted.
            double ulp = Math.max(Math.ulp((float) e), Float.MIN_NORMAL / maxUlps);
            double err = Math.abs(y[i] - e) / ulp;
            assertTrue(err <= maxUlps, "f(" + x[i] + ") = " + y[i] + ", exact " + e + ": " + err + " ulps");
            worst = Math.max(worst, err);
        }
        return worst;
    }

    @Test
    void sigmoidIsAccurateToAFewUlps() {
        worstUlps(VectorCells::sigmoid, v -> 1 / (1 + Math.exp(-v)), SIGMOID_ULPS, -20f, 20f, 1f / 4096);
    }

    @Test
    void tanhIsAccurateToAFewUlps() {
        worstUlps(VectorCells::tanh, Math::tanh, TANH_ULPS, -20f, 20f, 1f / 4096);
    }

    @Test
    void nanPropagates() {
        float[] nan = new float[VectorGemm.VL];
        java.util.Arrays.fill(nan, Float.NaN);
        FloatVector v = FloatVector.fromArray(VectorGemm.S, nan, 0);
        assertEquals(Float.NaN, VectorCells.sigmoid(v).lane(0));
        assertEquals(Float.NaN, VectorCells.tanh(v).lane(0));
    }
}
