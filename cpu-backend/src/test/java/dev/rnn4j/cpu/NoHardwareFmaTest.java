package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.internal.reference.ReferenceRnn;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Runs in the no-fma executions (-XX:UseAVX=0, SSE's 128-bit vectors; -XX:-UseFMA, the machine's widest): without
 * FMA instructions {@code FloatVector.fma} would compute every multiply-add in software, so the vector kernels
 * multiply and add, on the narrow tile, say so, and still compute what the oracle does. The conformance suite runs in
 * the first of these executions too.
 */
class NoHardwareFmaTest {

    @Test
    void withoutHardwareFmaTheVectorKernelsMultiplyThenAddAndSaySo() {
        assertFalse(CpuBackendProvider.hardwareFma(), "this execution runs without FMA instructions");
        assertFalse(MultiplyAdd.FUSED);
        assertFalse(VectorGemm.WIDE_REGISTERS, "the wide tile's unfused kernels overrun C2's inlining budget");
        try (Backend cpu = new CpuBackendProvider().open(BackendOptions.defaults())) {
            String kernels = cpu.device().description();
            assertTrue(kernels.contains("Vector API kernels") && kernels.contains("multiply then add (no hardware FMA"),
                    kernels);
            RnnSpec spec = new RnnSpec(CellType.LSTM, 6, 9, 2, false, true);
            RnnParameters w = RnnParameters.uniform(spec, 4);
            float[] x = new float[5 * 3 * spec.inputSize()];
            Random r = new Random(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            try (RecurrentLayer layer = RecurrentLayer.create(cpu, spec, w)) {
                float[] got = layer.forward(RnnInput.sequenceMajor(x, 5, 3)).output();
                double[] want = ReferenceRnn.of(w).forward(ReferenceRnn.widen(x), 5, 3, null, null, null).output();
                assertEquals(want.length, got.length);
                for (int i = 0; i < got.length; i++) {
                    assertEquals(want[i], got[i], 1e-5, "output " + i);
                }
            }
        }
    }

    @Test
    void theMultiplyAddRoundsTwice() {
        assertEquals(MultiplyAddTest.UNFUSED, MultiplyAddTest.maddOfTheProbe(), "a·b rounded, then + c rounded");
    }
}
