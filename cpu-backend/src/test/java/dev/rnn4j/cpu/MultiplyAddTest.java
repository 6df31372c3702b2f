package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The kernels' multiply-add is the fused one exactly where the JVM has FMA instructions. */
class MultiplyAddTest {
    /** a = b = 1 + 2⁻¹², c = −(1 + 2⁻¹¹): a·b = 1 + 2⁻¹¹ + 2⁻²⁴ exactly, which float rounds away. */
    private static final float A = 1f + 0x1p-12f;
    private static final float C = -(1f + 0x1p-11f);
    /** What one rounding gives: the 2⁻²⁴ that the rounded product lost. */
    static final float FUSED = Math.fma(A, A, C);
    static final float UNFUSED = A * A + C;

    /** Every lane of the kernels' {@code madd} on the probe's values; they must agree. */
    static float maddOfTheProbe() {
        FloatVector a = FloatVector.broadcast(VectorGemm.S, A);
        float[] out = MultiplyAdd.madd(a, a, FloatVector.broadcast(VectorGemm.S, C)).toArray();
        for (float v : out) {
            assertEquals(out[0], v, "lanes disagree");
        }
        return out[0];
    }

    @Test
    void theProbeTellsTheTwoApart() {
        assertEquals(0x1p-24f, FUSED);
        assertNotEquals(FUSED, UNFUSED);
    }

    @Test
    void maddIsFusedExactlyWhereTheJvmHasFma() {
        assertEquals(CpuBackendProvider.hardwareFma(), MultiplyAdd.FUSED);
        assertEquals(MultiplyAdd.FUSED ? FUSED : UNFUSED, maddOfTheProbe());
    }
}
