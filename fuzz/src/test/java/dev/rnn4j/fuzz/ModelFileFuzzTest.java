package dev.rnn4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.io.SafetensorsFile;

/** The safetensors reader with the model loader: a model file as {@code rnn4j run} and the API load it. */
public class ModelFileFuzzTest {
    /** One input. */
    static void one(byte[] bytes) throws Exception {
        DocumentedOutcome.of(() -> RnnModelFile.load(SafetensorsFile.parse(bytes, "model.safetensors")));
    }

    @FuzzTest(maxDuration = FuzzRun.CI_DURATION)
    void modelFile(byte[] bytes) throws Exception {
        one(bytes);
    }

    /**
     * The entry point of long runs through Jazzer's own command line ({@code fuzz/run.sh}): a class without
     * {@code @FuzzTest}, which Jazzer would otherwise run for its {@code maxDuration} only.
     */
    public static final class LongRun {
        private LongRun() {
        }

        public static void fuzzerTestOneInput(byte[] bytes) throws Exception {
            one(bytes);
        }
    }
}
