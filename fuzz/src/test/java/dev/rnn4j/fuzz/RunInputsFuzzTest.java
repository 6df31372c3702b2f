package dev.rnn4j.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.io.RunInputs;
import dev.rnn4j.io.SafetensorsFile;
import java.util.List;

/**
 * The inputs reader of {@code rnn4j run}: a safetensors file of {@code input}, {@code lengths}, initial states and
 * upstream gradients, read for one of a few specs (the fuzzer picks which, and batch-first or not).
 */
public class RunInputsFuzzTest {
    static final List<RnnSpec> SPECS = List.of(
            new RnnSpec(CellType.LSTM, 3, 4, 1, false, true),
            new RnnSpec(CellType.GRU, 2, 3, 2, true, true),
            new RnnSpec(CellType.RNN_TANH, 1, 2, 1, false, false));

    /** One input. */
    static void one(FuzzedDataProvider data) throws Exception {
        RnnSpec spec = SPECS.get(data.consumeInt(0, SPECS.size() - 1));
        boolean batchFirst = data.consumeBoolean();
        byte[] bytes = data.consumeRemainingAsBytes();
        DocumentedOutcome.of(() -> RunInputs.read(SafetensorsFile.parse(bytes, "inputs.safetensors"), spec,
                batchFirst));
    }

    @FuzzTest(maxDuration = FuzzRun.CI_DURATION)
    void runInputs(FuzzedDataProvider data) throws Exception {
        one(data);
    }

    /**
     * The entry point of long runs through Jazzer's own command line ({@code fuzz/run.sh}): a class without
     * {@code @FuzzTest}, which Jazzer would otherwise run for its {@code maxDuration} only.
     */
    public static final class LongRun {
        private LongRun() {
        }

        public static void fuzzerTestOneInput(FuzzedDataProvider data) throws Exception {
            one(data);
        }
    }
}
