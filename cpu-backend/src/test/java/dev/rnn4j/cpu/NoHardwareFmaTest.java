package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.reference.ReferenceRnn;
import dev.rnn4j.spi.Backend;
import dev.rnn4j.spi.BackendOptions;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Runs in the no-fma execution (-XX:UseAVX=0): without FMA instructions the Vector API would compute every
 * multiply-add in software (a three-row bench did not finish in 14 minutes), so the backend takes its scalar
 * kernels, says why, and still computes what the oracle does.
 */
class NoHardwareFmaTest {

    @Test
    void withoutHardwareFmaTheScalarKernelsRunAndSayWhy() {
        assertFalse(CpuBackendProvider.hardwareFma(), "this execution runs with -XX:UseAVX=0");
        try (Backend cpu = new CpuBackendProvider().open(BackendOptions.defaults())) {
            String kernels = cpu.device().description();
            assertTrue(kernels.startsWith("scalar kernels: this JVM has no hardware fused multiply-add"), kernels);
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
}
