package dev.rnn4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The soak on the emulated CUDA driver: backends opened and closed, layers created, trained one step and closed, over
 * and over. After every backend the emulator's count of live allocations is back where it was and nothing was left
 * in a released context; the floor of the process's resident memory outside the heap does not rise after the first
 * tenth (as {@code rnn4j soak} judges it: resident memory swings with what allocators keep). 400 layers in the default
 * run; {@code -Drnn4j.test.soakIterations=N} for a long one. (The other backends' soak is {@code rnn4j soak}.)
 */
class EmulatedCudaSoakTest {
    static final List<RnnSpec> SPECS = List.of(
            new RnnSpec(CellType.LSTM, 8, 16, 1, false, true),
            new RnnSpec(CellType.GRU, 8, 12, 2, true, true),
            new RnnSpec(CellType.RNN_TANH, 4, 8, 1, true, false));
    static final int LAYERS_PER_BACKEND = 50;
    /** Resident growth after the warm-up that still counts as flat. */
    static final long RSS_SLACK_BYTES = 64L << 20;

    @BeforeAll
    static void loadEmulator() {
        EmulatedCuda.load();
    }

    @Test
    void churnLeavesNothingBehind() throws IOException {
        int iterations = Integer.getInteger("rnn4j.test.soakIterations", 400);
        long liveBefore = EmulatedCuda.counter(EmulatedCuda.Counter.LIVE_ALLOCATIONS);
        long leakedBefore = EmulatedCuda.counter(EmulatedCuda.Counter.LEAKED);
        List<Long> outside = new java.util.ArrayList<>();
        List<Long> resident = new java.util.ArrayList<>();
        for (int start = 0; start < iterations; start += LAYERS_PER_BACKEND) {
            try (Backend b = new CudaBackendProvider().open(BackendOptions.defaults())) {
                for (int i = start; i < Math.min(iterations, start + LAYERS_PER_BACKEND); i++) {
                    RnnSpec s = SPECS.get(i % SPECS.size());
                    try (RecurrentLayer layer = RecurrentLayer.create(b, s, RnnParameters.uniform(s, i))) {
                        int steps = 4;
                        int batch = 3;
                        float[] x = new float[steps * batch * s.inputSize()];
                        java.util.Arrays.fill(x, 0.1f);
                        layer.forwardTraining(RnnInput.sequenceMajor(x, steps, batch)
                                .withLengths(i % 2 == 0 ? null : new int[] {4, 1, 3}));
                        layer.backward(new OutputGradients(new float[steps * batch * s.outputSize()], null, null));
                    }
                }
            }
            assertEquals(liveBefore, EmulatedCuda.counter(EmulatedCuda.Counter.LIVE_ALLOCATIONS),
                    "live allocations after " + (start + LAYERS_PER_BACKEND) + " layers");
            assertEquals(leakedBefore, EmulatedCuda.counter(EmulatedCuda.Counter.LEAKED), "left in a released context");
            System.gc();
            long rss = rss();
            if (rss >= 0) {
                resident.add(rss);
                outside.add(rss - java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage()
                        .getCommitted());
            }
        }
        // As rnn4j soak: a leak raises both floors, the collector's heap sizing one of them only.
        long growth = Math.min(floorGrowth(resident), floorGrowth(outside));
        assertTrue(growth <= RSS_SLACK_BYTES, "the floor of resident memory outside the heap rose by "
                + (growth >> 20) + " MiB after the warm-up: " + outside);
        System.out.printf("EmulatedCudaSoakTest: %d layers on %d backends; floor of resident memory outside the heap "
                + "%+d MiB after the warm-up%n", iterations, outside.size(), growth >> 20);
    }

    /** The least value of the second half less the least value from the first tenth to the middle; 0 if too few. */
    static long floorGrowth(List<Long> values) {
        if (values.size() < 4) {
            return 0;
        }
        int warm = Math.max(1, values.size() / 10);
        int middle = Math.max(warm + 1, (values.size() + warm) / 2);
        long early = values.subList(warm, middle).stream().mapToLong(Long::longValue).min().orElse(0);
        long late = values.subList(middle, values.size()).stream().mapToLong(Long::longValue).min().orElse(0);
        return late - early;
    }

    private static long rss() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
