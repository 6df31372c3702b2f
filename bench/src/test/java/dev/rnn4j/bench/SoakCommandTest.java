package dev.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.opencl.OpenClBackendProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The short soak CI runs on every backend here (the emulated CUDA driver's is {@code EmulatedCudaSoakTest}): churn
 * and serving at small counts, with the heap and direct-memory limits of a long run. Resident memory gets a wider
 * limit here, since the first thousand iterations of a JVM also fill its code cache.
 */
class SoakCommandTest {
    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void memoryStaysFlat(String backend) {
        if (backend.equals("opencl")) {
            Assumptions.assumeTrue(new OpenClBackendProvider().probe().available(), "no OpenCL device here");
        }
        Rnn4jCommandTest.Result r = Rnn4jCommandTest.rnn4j("soak", "--backend", backend, "--iterations", "400",
                "--requests", "3000", "--streams", "400", "--threads", "4", "--max-rss-growth-mib", "256");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("layer churn on " + backend + ": 400 layers created"), r.out());
        assertTrue(r.out().contains("serving on " + backend + ": 3000 requests and 400 streams"), r.out());
        assertTrue(r.out().contains("rnn4j soak: memory stayed flat"), r.out());
    }

    /** The verdict's figure: a leak raises the floor of the samples; swings without a trend do not. */
    @org.junit.jupiter.api.Test
    void aLeakRaisesTheFloorAndSwingsDoNot() {
        java.util.List<MemorySample> leaking = new java.util.ArrayList<>();
        java.util.List<MemorySample> swinging = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long swing = (i % 3) * (150L << 20);
            leaking.add(new MemorySample(i, (300L << 20) + i * (2L << 20) + swing, 0, 0, 0));
            swinging.add(new MemorySample(i, (300L << 20) + swing, 0, 0, 0));
        }
        long leak = SoakCommand.floorGrowth(leaking, MemorySample::rssBytes);
        assertTrue(leak >= 16L << 20, "a 2 MiB-a-sample leak shows as " + (leak >> 20) + " MiB");
        assertEquals(0, SoakCommand.floorGrowth(swinging, MemorySample::rssBytes));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--iterations=5", "--threads=0", "--requests=-1"})
    void nonsenseCountsAreRefused(String arg) {
        Rnn4jCommandTest.Result r = Rnn4jCommandTest.rnn4j("soak", "--backend", "reference", arg);
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("--iterations must be at least 20"), r.err());
    }
}
