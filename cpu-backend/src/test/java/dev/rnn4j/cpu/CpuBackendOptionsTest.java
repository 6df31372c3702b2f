package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.BackendOptions.Activations;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend's options set in code: each takes effect, shows in {@link Backend#settings()}, and leaves the
 * results those of the default backend.
 */
class CpuBackendOptionsTest {
    private static final RnnSpec SPEC = RnnSpec.builder(CellType.LSTM).inputSize(24).hiddenSize(40).layers(2).build();
    private static final RnnParameters WEIGHTS = RnnParameters.uniform(SPEC, 5);
    private static final int STEPS = 6;
    private static final int BATCH = 3;

    private static float[] forward(Backend b) {
        float[] x = new float[STEPS * BATCH * SPEC.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 13) * 0.05f - 0.3f;
        }
        try (RecurrentLayer layer = RecurrentLayer.create(b, SPEC, WEIGHTS)) {
            return layer.forward(RnnInput.sequenceMajor(x, STEPS, BATCH)).output();
        }
    }

    @Test
    void threadsBatchInvarianceAndStepLoopTakeEffect() {
        float[] expected;
        try (Backend plain = Backends.open("cpu")) {
            expected = forward(plain);
        }
        BackendOptions options = BackendOptions.defaults().withThreads(1).withBatchInvariant(true)
                .withStepLoop(false);
        try (Backend b = Backends.open("cpu", options)) {
            Map<String, String> s = b.settings();
            assertEquals("1", s.get("threads"), s.toString());
            assertEquals("false", s.get("stepLoop"), s.toString());
            assertEquals(String.valueOf("vector".equals(s.get("kernels"))), s.get("batchInvariant"), s.toString());
            assertTrue(b.device().name().contains("1 threads"), b.device().name());
            float[] got = forward(b);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], got[i], 1e-5f, "output " + i);
            }
        }
        try (Backend three = Backends.open("cpu", BackendOptions.defaults().withThreads(3))) {
            assertEquals("3", three.settings().get("threads"));
            assertEquals("true", three.settings().get("stepLoop"), "on by default with two or more threads");
        }
    }

    @Test
    void theOtherActivationsThanThisJvmsAreRefusedWithTheProperty() {
        Activations jvm = VectorCells.EXACT ? Activations.EXACT : Activations.INTRINSIC;
        Activations other = jvm == Activations.EXACT ? Activations.INTRINSIC : Activations.EXACT;
        try (Backend same = Backends.open("cpu", BackendOptions.defaults().withActivations(jvm))) {
            assertEquals(jvm.name().toLowerCase(Locale.ROOT), same.settings().get("activations"));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backends.open("cpu", BackendOptions.defaults().withActivations(other)));
        assertTrue(e.getMessage().contains("once per JVM")
                && e.getMessage().contains("-Drnn4j.cpu.activations=" + other.name().toLowerCase(Locale.ROOT)),
                e.getMessage());
    }
}
