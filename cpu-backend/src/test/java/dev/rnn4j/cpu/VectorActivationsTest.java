package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.junit.jupiter.api.Test;

/**
 * The vector sigmoid and tanh of the fused cells against double-precision math, over every float in [−20, 20] at
 * a fine stride plus the edges (signed zeros, subnormals, huge values, infinities, NaN). The bound is in units in
 * the last place of the float result, so a cheaper approximation that loses accuracy fails here.
 */
class VectorActivationsTest {
    /**
     * Worst error allowed, in ulps of the exact result rounded to float. sigmoid is {@code 1 / (1 + exp(−x))}:
     * exp's own error plus two roundings; tanh a polynomial near zero and exp-based beyond (see {@link VectorMath}).
     * (A rational tanh measured 1.6x faster gave 5.6 ulps and was not taken: see the cpu package notes.)
     */
    private static final double EXP_ULPS = 1.5;
    private static final double SIGMOID_ULPS = 3;
    private static final double TANH_ULPS = 2;

    private static final float[] EDGES = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, -1e-30f, 1e-7f, -1e-7f,
            9f, -9f, 30f, -30f, 88f, -88f, 89f, -89f, 1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

    private static double worstUlps(UnaryOperator<FloatVector> f, DoubleUnaryOperator exact, double maxUlps,
                                    float from, float to, float stride) {
        return worstUlps(f, exact, maxUlps, from, to, stride, EDGES);
    }

    private static double worstUlps(UnaryOperator<FloatVector> f, DoubleUnaryOperator exact, double maxUlps,
                                    float from, float to, float stride, float[] edges) {
        int vl = VectorGemm.VL;
        int n = (int) ((to - from) / stride) + 1;
        float[] x = new float[(n + edges.length + vl - 1) / vl * vl];
        for (int i = 0; i < n; i++) {
            x[i] = from + i * stride;
        }
        System.arraycopy(edges, 0, x, n, edges.length);
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += vl) {
            f.apply(FloatVector.fromArray(VectorGemm.S, x, i)).intoArray(y, i);
        }
        double worst = 0;
        for (int i = 0; i < n + edges.length; i++) {
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
    void expIsAccurateToAnUlpOrSo() {
        // The finite edges; the saturating ones are the next test's.
        worstUlps(VectorMath::exp, Math::exp, EXP_ULPS, -87f, 88f, 1f / 1024,
                new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, -1e-30f, 1e-7f, -1e-7f, 88.3f});
    }

    @Test
    void expSaturatesOutsideTheFloatRange() {
        float[] x = new float[VectorGemm.VL];
        float[] in = {89f, 1e30f, Float.POSITIVE_INFINITY, -88f, -200f, Float.NEGATIVE_INFINITY, 0f, Float.NaN};
        System.arraycopy(in, 0, x, 0, Math.min(in.length, x.length));
        float[] y = new float[x.length];
        VectorMath.exp(FloatVector.fromArray(VectorGemm.S, x, 0)).intoArray(y, 0);
        float[] want = {Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, 0f, 0f, 0f, 1f,
                Float.NaN};
        for (int i = 0; i < Math.min(in.length, x.length); i++) {
            assertEquals(want[i], y[i], "exp(" + in[i] + ")");
        }
    }

    /**
     * The exact functions give the same bits before and after the JIT compiles them. With
     * {@code VectorOperators.EXP/TANH} (the intrinsic setting) about 44 of 8192 lanes changed once C2 (SVML) took
     * over from the interpreted fallback; arithmetic-only functions cannot.
     */
    @Test
    void resultsDoNotChangeWhenTheJitCompilesThem() {
        float[] x = new float[4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = -8 + i * (16f / x.length);
        }
        float[] first = activations(x);
        float[] later = first;
        for (int round = 0; round < 3000; round++) {
            later = activations(x);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(first, later);
    }

    private static float[] activations(float[] x) {
        float[] y = new float[x.length * 2];
        for (int i = 0; i < x.length; i += VectorGemm.VL) {
            FloatVector v = FloatVector.fromArray(VectorGemm.S, x, i);
            VectorMath.tanh(v).intoArray(y, i);
            VectorMath.sigmoid(v).intoArray(y, x.length + i);
        }
        return y;
    }

    private static final UnaryOperator<FloatVector> INTRINSIC_SIGMOID =
            v -> FloatVector.broadcast(VectorGemm.S, 1f).div(v.neg().lanewise(VectorOperators.EXP).add(1f));
    private static final UnaryOperator<FloatVector> INTRINSIC_TANH = v -> v.lanewise(VectorOperators.TANH);

    @Test
    void sigmoidIsAccurateToAFewUlps() {
        for (UnaryOperator<FloatVector> f : List.of(INTRINSIC_SIGMOID, VectorMath::sigmoid, VectorCells::sigmoid)) {
            worstUlps(f, v -> 1 / (1 + Math.exp(-v)), SIGMOID_ULPS, -20f, 20f, 1f / 4096);
        }
    }

    @Test
    void tanhIsAccurateToAFewUlps() {
        for (UnaryOperator<FloatVector> f : List.of(INTRINSIC_TANH, VectorMath::tanh, VectorCells::tanh)) {
            worstUlps(f, Math::tanh, TANH_ULPS, -20f, 20f, 1f / 4096);
        }
    }

    @Test
    void nanPropagates() {
        float[] nan = new float[VectorGemm.VL];
        java.util.Arrays.fill(nan, Float.NaN);
        FloatVector v = FloatVector.fromArray(VectorGemm.S, nan, 0);
        assertEquals(Float.NaN, VectorCells.sigmoid(v).lane(0));
        assertEquals(Float.NaN, VectorCells.tanh(v).lane(0));
        assertEquals(Float.NaN, VectorMath.sigmoid(v).lane(0));
        assertEquals(Float.NaN, VectorMath.tanh(v).lane(0));
        assertEquals(Float.NaN, VectorMath.exp(v).lane(0));
    }
}
