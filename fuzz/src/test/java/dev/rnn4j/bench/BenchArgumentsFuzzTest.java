package dev.rnn4j.bench;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rnn4j.fuzz.DocumentedOutcome;

/**
 * The bench's argument parsers: {@code --rows} entries (layer rows and GEMM rows) and {@code --suite} names. In
 * this package because the parsers are the command's own, not public API.
 */
public class BenchArgumentsFuzzTest {
    /** One input. */
    static void one(FuzzedDataProvider data) throws Exception {
        String text = data.consumeRemainingAsString();
        for (String row : text.split(",")) {
            DocumentedOutcome.of(() -> {
                if (row.trim().startsWith("gemm:")) {
                    GemmRow.parse(row);
                } else {
                    BenchRow.parse(row);
                }
            });
        }
        DocumentedOutcome.of(() -> Suites.load(text));
    }

    @FuzzTest(maxDuration = dev.rnn4j.fuzz.FuzzRun.CI_DURATION)
    void benchArguments(FuzzedDataProvider data) throws Exception {
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
