package dev.rnn4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.CellType;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.spi.Backend;
import dev.rnn4j.spi.BackendOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The soak on the emulated CUDA driver: backends opened and closed, layers created, trained one step and closed, over
 * and over. After every backend the emulator's count of live allocations is back where it was and nothing was left
 * in a released context; the process's resident memory stays flat after the first tenth. 400 layers in the default
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
        long rssWarm = -1;
        long rssLast = -1;
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
            rssLast = rss();
            if (rssWarm < 0 && start + LAYERS_PER_BACKEND >= iterations / 10) {
                rssWarm = rssLast;
            }
        }
        if (rssWarm >= 0) {
            assertTrue(rssLast - rssWarm <= RSS_SLACK_BYTES,
                    "resident memory grew by " + ((rssLast - rssWarm) >> 20) + " MiB after the warm-up");
        }
        System.out.printf("EmulatedCudaSoakTest: %d layers on %d backends; resident %d MiB after the warm-up, %d MiB "
                + "at the end%n", iterations, (iterations + LAYERS_PER_BACKEND - 1) / LAYERS_PER_BACKEND,
                rssWarm >> 20, rssLast >> 20);
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
