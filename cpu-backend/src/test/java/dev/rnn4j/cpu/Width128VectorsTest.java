package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Runs in the width128 execution (vectors limited to 128 bits, FMA in hardware, 32 registers declared): the shape of
 * aarch64's NEON, where a tile is 12 columns wide, not a multiple of the 8-column transposes that packing uses
 * elsewhere. The suite there must really run the vector kernels at that width.
 */
class Width128VectorsTest {

    @Test
    void thisJvmHasNeonShapedVectorsAndTheVectorKernels() {
        assertEquals(128, VectorGemm.S.vectorBitSize());
        assertEquals(12, VectorGemm.NR);
        assertTrue(VectorGemm.WIDE_REGISTERS, "32 registers declared");
        assertTrue(VectorKernels.describe().contains("128"), VectorKernels.describe());
    }
}
