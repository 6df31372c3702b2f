package dev.rnn4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;

/**
 * {@code Checkpoint.load} into a small model and its Adam optimizer, both made once per JVM (a load that succeeds
 * changes them, which later inputs do not mind). The seeds are checkpoints of that model, with and without a
 * truncated-BPTT run's progress.
 */
public class CheckpointFuzzTest {
    static final SequenceModel.Config CONFIG = new SequenceModel.Config(5,
            RnnSpec.builder(CellType.LSTM).inputSize(3).hiddenSize(4).layers(2).build(), 0f, 5,
            SequenceModel.Head.EVERY_STEP, SequenceModel.Loss.CROSS_ENTROPY, 7);
    private static Backend backend;
    private static SequenceModel model;
    private static Optimizer optimizer;

    static synchronized SequenceModel model() {
        if (model == null) {
            backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
            model = new SequenceModel(backend, CONFIG);
            optimizer = Optimizer.adam(backend, 0.01f, 0f, false);
        }
        return model;
    }

    static synchronized Optimizer optimizer() {
        model();
        return optimizer;
    }

    /** One input. */
    static void one(byte[] bytes) throws Exception {
        SequenceModel m = model();
        Optimizer o = optimizer();
        DocumentedOutcome.of(() -> Checkpoint.load(SafetensorsFile.parse(bytes, "checkpoint.safetensors"), m, o));
    }

    @FuzzTest(maxDuration = FuzzRun.CI_DURATION)
    void checkpoint(byte[] bytes) throws Exception {
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
