package dev.rnn4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Options set in code: unset until set, each copy independent, bad values refused where they are given. */
class BackendOptionsTest {
    @Test
    void defaultsLeaveEveryOptionToItsPropertyOrTheBackend() {
        BackendOptions d = BackendOptions.defaults();
        assertNull(d.device());
        assertNull(d.threads());
        assertNull(d.gemm());
        assertNull(d.stepForm());
        assertNull(d.cacheDirectory());
        assertNull(d.programCache());
        assertNull(d.activations());
        assertNull(d.batchInvariant());
        assertNull(d.stepLoop());
        assertNull(d.graphs());
        assertEquals(-1, d.deviceIndex());
        assertEquals("BackendOptions[]", d.toString());
    }

    @Test
    void eachWithGivesACopyAndLeavesTheOriginal() {
        BackendOptions base = BackendOptions.defaults().withThreads(3);
        BackendOptions more = base.withGemm(BackendOptions.Gemm.TILED).withStepForm(BackendOptions.StepForm.FUSED)
                .withCacheDirectory(Path.of("/tmp/x")).withProgramCache(false)
                .withActivations(BackendOptions.Activations.EXACT).withBatchInvariant(true).withStepLoop(false)
                .withGraphs(true).withDevice("1");
        assertEquals(3, base.threads());
        assertNull(base.gemm());
        assertEquals(3, more.threads());
        assertEquals(BackendOptions.Gemm.TILED, more.gemm());
        assertEquals(BackendOptions.StepForm.FUSED, more.stepForm());
        assertEquals(Path.of("/tmp/x"), more.cacheDirectory());
        assertEquals(false, more.programCache());
        assertEquals(BackendOptions.Activations.EXACT, more.activations());
        assertEquals(true, more.batchInvariant());
        assertEquals(false, more.stepLoop());
        assertEquals(true, more.graphs());
        assertEquals(1, more.deviceIndex());
        assertNotEquals(base, more);
        assertEquals(more, base.withGemm(BackendOptions.Gemm.TILED).withStepForm(BackendOptions.StepForm.FUSED)
                .withCacheDirectory(Path.of("/tmp/x")).withProgramCache(false)
                .withActivations(BackendOptions.Activations.EXACT).withBatchInvariant(true).withStepLoop(false)
                .withGraphs(true).withDevice("1"));
        assertTrue(more.toString().contains("threads=3") && more.toString().contains("gemm=TILED"), more.toString());
    }

    @Test
    void badValuesAreRefusedWhereTheyAreGiven() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BackendOptions.defaults().withThreads(0));
        assertTrue(e.getMessage().contains("threads must be at least 1"), e.getMessage());
        assertThrows(NullPointerException.class, () -> BackendOptions.defaults().withGemm(null));
    }
}
