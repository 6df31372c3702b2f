package dev.rnn4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rnn4j.onnx.OnnxModel;

/**
 * The ONNX reader with its graph checks, and, for a graph that passes them, the weights of its recurrent layer as
 * an inference session takes them.
 */
public class OnnxModelFuzzTest {
    /** One input. */
    static void one(byte[] bytes) throws Exception {
        DocumentedOutcome.of(() -> OnnxModel.parse(bytes, "model.onnx").recurrentWeights());
    }

    @FuzzTest(maxDuration = FuzzRun.CI_DURATION)
    void onnxModel(byte[] bytes) throws Exception {
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
