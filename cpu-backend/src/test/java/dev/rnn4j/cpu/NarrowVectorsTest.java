package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Runs in the avx2 execution (the JVM limited to AVX2): the suite there must really be on narrow vectors and the
 * narrow tile, or it would test the wide one twice. Also the register-file guess itself.
 */
class NarrowVectorsTest {

    @Test
    void thisJvmHasNarrowVectorsAndTheNarrowTile() {
        assertTrue(VectorGemm.S.vectorBitSize() <= 256, "vectors of " + VectorGemm.S.vectorBitSize() + " bits");
        assertFalse(VectorGemm.WIDE_REGISTERS, "16 vector registers below AVX-512");
        assertTrue(VectorKernels.describe().contains("16 vector registers"), VectorKernels.describe());
    }

    @Test
    void theRegisterFileGuess() {
        assertTrue(RegisterFile.wide(null, "amd64", 512));
        assertFalse(RegisterFile.wide(null, "amd64", 256));
        assertFalse(RegisterFile.wide(null, "x86_64", 128));
        assertTrue(RegisterFile.wide(null, "aarch64", 128));
        assertTrue(RegisterFile.wide("32", "amd64", 256));
        assertFalse(RegisterFile.wide("16", "aarch64", 128));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegisterFile.wide("24", "amd64", 512));
        assertTrue(e.getMessage().contains("neither 16 nor 32"), e.getMessage());
    }
}
