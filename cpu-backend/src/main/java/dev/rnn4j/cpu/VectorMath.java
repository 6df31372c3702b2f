package dev.rnn4j.cpu;

import static dev.rnn4j.cpu.MultiplyAdd.madd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, sigmoid and tanh on float vectors from adds, multiplies, multiply-adds and bit operations only, so that
 * every lane's result is fixed by its input. {@code VectorOperators.EXP} and {@code TANH} are not: C2 computes them
 * with the SVML intrinsics while the interpreter and C1 fall back to {@code Math} lane by lane, and the two differ
 * in the last bit for about one input in 200 (measured), so the same call can give other bits before and after
 * the JIT compiles it: a model's outputs move with the JVM's warm-up, and a training run resumed in a fresh JVM
 * drifts from the uninterrupted one. The vector cells use these with {@code -Drnn4j.cpu.activations=exact}; not by
 * default, as they cost 12-35% on LSTM layers (see the package notes).
 *
 * <p>Accuracy, against double precision ({@code VectorActivationsTest}): exp within about 1 ulp over [−87, 88]
 * (Cody–Waite reduction by ln 2 and a degree-6 polynomial fitted for relative error on [−ln2/2, ln2/2]); sigmoid
 * {@code 1 / (1 + exp(−x))} within 3 and tanh within 2 over [−20, 20] and the edges (tanh: an odd degree-11
 * polynomial below |x| = 0.55, fitted likewise, and {@code 1 − 2 / (exp(2|x|) + 1)} above). The coefficients come
 * from {@code cpu-backend/tools/fit_activation_polynomials.py}, which refits them and prints their float32 error.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector TWO = FloatVector.broadcast(S, 2f);
    /** Above this 2^n leaves the exponent's range (+∞); below {@link #EXP_MIN} e^x is under the normal range (0). */
    private static final float EXP_MAX = 88.37f;
    private static final float EXP_MIN = -87.33654f;
    private static final float LOG2E = 1.4426950408889634f;
    /** ln 2 in two parts; the first has few enough bits that n·LN2_HI is exact for every n in range. */
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187e-06f;
    /** 1.5·2²³: adding and subtracting it rounds a float of magnitude below 2²² to an integer. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    /** e^r = 1 + r + r²·(E0 + E1·r + E2·r² + E3·r³ + E4·r⁴) on |r| ≤ ln2/2. */
    private static final float E0 = 0.4999999403953552f;
    private static final float E1 = 0.1666652113199234f;
    private static final float E2 = 0.04166838899254799f;
    private static final float E3 = 0.008368710055947304f;
    private static final float E4 = 0.001381461275741458f;
    /** tanh x = x + x³·(T0 + T1·u + T2·u² + T3·u³ + T4·u⁴), u = x², on |x| ≤ TANH_POLY_MAX. */
    private static final float TANH_POLY_MAX = 0.55f;
    private static final float T0 = -0.33333316445350647f;
    private static final float T1 = 0.13332585990428925f;
    private static final float T2 = -0.05385230854153633f;
    private static final float T3 = 0.021071678027510643f;
    private static final float T4 = -0.006274237297475338f;

    // The constants as vectors: scalar arguments to min, max, compare and blend were measured to cost a broadcast
    // per call.
    private static final FloatVector V_ZERO = FloatVector.zero(S);
    private static final FloatVector V_INF = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
    private static final FloatVector V_EXP_MAX = FloatVector.broadcast(S, EXP_MAX);
    private static final FloatVector V_EXP_MIN = FloatVector.broadcast(S, EXP_MIN);
    private static final FloatVector V_LOG2E = FloatVector.broadcast(S, LOG2E);
    private static final FloatVector V_ROUNDER = FloatVector.broadcast(S, ROUNDER);
    /** 127 − bits(1.5·2²³): turns the bits of n + 1.5·2²³ into n + 127. */
    private static final IntVector V_SCALE_BIAS = IntVector.broadcast(IntVector.SPECIES_PREFERRED, 127 - ROUNDER_BITS);
    private static final FloatVector V_NEG_LN2_HI = FloatVector.broadcast(S, -LN2_HI);
    private static final FloatVector V_NEG_LN2_LO = FloatVector.broadcast(S, -LN2_LO);
    private static final FloatVector V_E0 = FloatVector.broadcast(S, E0);
    private static final FloatVector V_E1 = FloatVector.broadcast(S, E1);
    private static final FloatVector V_E2 = FloatVector.broadcast(S, E2);
    private static final FloatVector V_E3 = FloatVector.broadcast(S, E3);
    private static final FloatVector V_E4 = FloatVector.broadcast(S, E4);
    private static final FloatVector V_TANH_POLY_MAX = FloatVector.broadcast(S, TANH_POLY_MAX);
    private static final FloatVector V_T0 = FloatVector.broadcast(S, T0);
    private static final FloatVector V_T1 = FloatVector.broadcast(S, T1);
    private static final FloatVector V_T2 = FloatVector.broadcast(S, T2);
    private static final FloatVector V_T3 = FloatVector.broadcast(S, T3);
    private static final FloatVector V_T4 = FloatVector.broadcast(S, T4);

    private VectorMath() {
    }

    /**
     * e^x for |x| up to ~87.3: +∞ above {@code EXP_MAX} (just under 127.5·ln 2, where 2^n would leave the float exponent's
     * range, about 0.35 short of float's own overflow), 0 below {@code EXP_MIN} (where the exact result is under the
     * normal range), NaN for NaN. Out-of-range lanes compute garbage that the two blends replace; there is no clamp,
     * which keeps the function small enough for C2 to inline into the cell kernels several times.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector shifted = madd(x, V_LOG2E, V_ROUNDER);
        FloatVector n = shifted.sub(V_ROUNDER);
        FloatVector r = madd(n, V_NEG_LN2_HI, x);
        r = madd(n, V_NEG_LN2_LO, r);
        FloatVector q = madd(r, V_E4, V_E3);
        q = madd(q, r, V_E2);
        q = madd(q, r, V_E1);
        q = madd(q, r, V_E0);
        FloatVector p = madd(q, r.mul(r), r).add(ONE);
        // n sits in the low mantissa bits of n + 1.5·2²³; 2^n is (n + 127) in the exponent field.
        FloatVector scale = shifted.reinterpretAsInts().add(V_SCALE_BIAS).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        FloatVector y = p.mul(scale);
        y = y.blend(V_INF, x.compare(VectorOperators.GT, V_EXP_MAX));
        return y.blend(V_ZERO, x.compare(VectorOperators.LT, V_EXP_MIN));
    }

    /** 1 / (1 + e^−x). */
    static FloatVector sigmoid(FloatVector x) {
        return ONE.div(exp(x.neg()).add(ONE));
    }

    /** tanh x, odd, exact at ±0, ±1 for |x| ≥ 9.1, NaN for NaN. */
    static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector u = x.mul(x);
        FloatVector t = madd(u, V_T4, V_T3);
        t = madd(t, u, V_T2);
        t = madd(t, u, V_T1);
        t = madd(t, u, V_T0);
        FloatVector small = madd(x.mul(u), t, x);
        FloatVector large = ONE.sub(TWO.div(exp(a.add(a)).add(ONE)));
        large = large.blend(large.neg(), x.compare(VectorOperators.LT, V_ZERO));
        VectorMask<Float> polynomial = a.compare(VectorOperators.LE, V_TANH_POLY_MAX);
        return large.blend(small, polynomial);
    }
}
