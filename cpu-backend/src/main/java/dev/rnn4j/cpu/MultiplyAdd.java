package dev.rnn4j.cpu;

import jdk.incubator.vector.FloatVector;

/**
 * The vector kernels' one multiply-add, {@code a·b + c}: fused where the JIT emits FMA instructions, a multiply and an
 * add where it does not. {@code FloatVector.fma} is no choice there: without hardware FMA (HotSpot's {@code UseFMA}
 * off, as on CPUs before Haswell and Piledriver or under {@code -XX:UseAVX=0}) it computes each lane with the
 * software {@code Math.fma}, hundreds of times slower. The choice is a constant, so C2 compiles each call site to the
 * one instruction (or two) and nothing else; results differ between the two only by the fused form's single rounding.
 */
final class MultiplyAdd {
    /** Fixed for the JVM's life: HotSpot reads {@code UseFMA} once, at start. */
    static final boolean FUSED = CpuBackendProvider.hardwareFma();

    private MultiplyAdd() {
    }

    /** {@code a·b + c}, rounded once where {@link #FUSED}, twice otherwise. */
    static FloatVector madd(FloatVector a, FloatVector b, FloatVector c) {
        return FUSED ? a.fma(b, c) : a.mul(b).add(c);
    }

    /** How the kernels multiply and add, for the probe's description. */
    static String describe() {
        return FUSED ? "fused multiply-add" : "multiply then add (no hardware FMA: UseFMA is off)";
    }
}
