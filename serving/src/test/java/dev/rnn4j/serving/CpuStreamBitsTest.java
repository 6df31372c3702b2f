package dev.rnn4j.serving;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import org.junit.jupiter.api.Test;

/**
 * Streams on the CPU backend's vector kernels, with exact activations and the batch-invariant GEMM (set for this
 * test's own JVM in the module's build): under concurrency, each stream's outputs and final state are its lone
 * run's, to the bit. Sizes reach the GEMM's parallel split and vector tails (hidden 70 is not a multiple of 16).
 */
class CpuStreamBitsTest {

    @Test
    void concurrentStreamsOnTheCpuMatchTheirLoneRunsToTheBit() throws Exception {
        try (Backend cpu = Backends.open("cpu")) {
            assertTrue(cpu.device().description().contains("exact activations")
                    && cpu.device().description().contains("batch-invariant"),
                    "this test needs -Drnn4j.cpu.activations=exact -Drnn4j.cpu.batchInvariant=true: "
                            + cpu.device().description());
            StreamRuns.concurrentStreamsMatchLoneRuns(cpu,
                    RnnParameters.uniform(new RnnSpec(CellType.LSTM, 48, 70, 2, false, true), 21), 8, 4);
            StreamRuns.concurrentStreamsMatchLoneRuns(cpu,
                    RnnParameters.uniform(new RnnSpec(CellType.GRU, 256, 256, 1, false, true), 22), 4, 3);
        }
    }
}
