package dev.rnn4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.io.StateDictOptions;
import dev.rnn4j.io.TensorSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * NumPy's {@code .npz} (a zip of {@code .npy} arrays) through {@link TensorSource#read} and a non-strict
 * state_dict load into an LSTM under a prefix, as a user loads a layer out of a whole model's arrays. The zip reader
 * needs a file, so each input is written to one scratch file first.
 */
public class NpzFuzzTest {
    private static final RnnSpec LSTM = new RnnSpec(CellType.LSTM, 5, 7, 2, true, true);
    private static final Path SCRATCH = scratch();

    private static Path scratch() {
        try {
            Path p = Files.createTempFile("rnn4j-fuzz-", ".npz");
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One input. */
    static void one(byte[] bytes) throws Exception {
        Files.write(SCRATCH, bytes);
        DocumentedOutcome.of(() -> RnnModelFile.loadStateDict(TensorSource.read(SCRATCH), RnnParameters.zeros(LSTM),
                StateDictOptions.defaults().withPrefix("lstm.").nonStrict()));
    }

    @FuzzTest(maxDuration = FuzzRun.CI_DURATION)
    void npz(byte[] bytes) throws Exception {
        one(bytes);
    }

    /** The entry point of long runs through Jazzer's own command line ({@code fuzz/run.sh}). */
    public static final class LongRun {
        private LongRun() {
        }

        public static void fuzzerTestOneInput(byte[] bytes) throws Exception {
            one(bytes);
        }
    }
}
