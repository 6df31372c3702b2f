package dev.rnn4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.io.RnnModelFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's example, verbatim apart from the backend's name and the file location, so it cannot rot: the README
 * must still hold the lines this test runs.
 */
class ReadmeExampleTest {
    /** Lines of the example, as the README shows them (leading spaces aside). */
    private static final List<String> RUN_AS_SHOWN = List.of(
            "RnnSpec spec = RnnSpec.builder(CellType.LSTM).inputSize(32).hiddenSize(64).layers(2).bidirectional(true)"
                    + ".build();",
            "RnnParameters weights = RnnParameters.uniform(spec, 42);",
            "float[] x = new float[steps * batch * 32];",
            "RecurrentLayer lstm = RecurrentLayer.create(backend, spec, weights)) {",
            "RnnInput in = RnnInput.sequenceMajor(x, steps, batch).withLengths(new int[] {20, 7, 13, 1});",
            "RnnOutput out = lstm.forwardTraining(in);",
            "LayerGradients g = lstm.backward(new OutputGradients(dLossDOut, null, null));",
            "float[] dx = g.inputs().gradInput();",
            "float[] dWhh = g.weights().get(\"weight_hh_l1_reverse\");");

    @Test
    void theReadmeStillShowsTheseLines() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (String line : RUN_AS_SHOWN) {
            assertTrue(readme.contains(line), "README.md no longer shows: " + line);
        }
    }

    @Test
    void exampleRuns(@TempDir Path dir) throws Exception {
        RnnSpec spec = RnnSpec.builder(CellType.LSTM).inputSize(32).hiddenSize(64).layers(2).bidirectional(true).build();
        RnnParameters weights = RnnParameters.uniform(spec, 42);           // or RnnModelFile.load(path).weights()
        int steps = 20, batch = 4;
        float[] x = new float[steps * batch * 32];                          // [T, B, I], sequence-major
        try (Backend backend = Backends.open("reference");                  // README: Backends.open()
             RecurrentLayer lstm = RecurrentLayer.create(backend, spec, weights)) {
            RnnInput in = RnnInput.sequenceMajor(x, steps, batch).withLengths(new int[] {20, 7, 13, 1});
            RnnOutput out = lstm.forwardTraining(in);                       // output [T, B, 2H], hN, cN [L·D, B, H]
            float[] dLossDOut = new float[out.output().length];             // from your loss
            LayerGradients g = lstm.backward(new OutputGradients(dLossDOut, null, null));
            float[] dx = g.inputs().gradInput();                            // and gradH0, gradC0
            float[] dWhh = g.weights().get("weight_hh_l1_reverse");         // every weight and bias, PyTorch names
            RnnModelFile.save(dir.resolve("lstm.safetensors"), weights, false);
            assertEquals(steps * batch * 32, dx.length);
            assertEquals(4 * 64 * 64, dWhh.length);
            assertEquals(steps * batch * 128, out.output().length);
        }
    }
}
