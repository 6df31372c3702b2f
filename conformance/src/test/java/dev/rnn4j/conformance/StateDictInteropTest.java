package dev.rnn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.Parameter;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.io.MalformedFileException;
import dev.rnn4j.io.NpzFile;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.io.StateDictLoad;
import dev.rnn4j.io.StateDictOptions;
import dev.rnn4j.io.TensorSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One recurrent layer out of a whole PyTorch model's state_dict, from NumPy's {@code .npz} and from safetensors,
 * by prefix and not strictly, as {@code load_state_dict} does; fixtures from
 * {@code conformance/fixtures/generate_interop_fixtures.py}.
 */
class StateDictInteropTest {
    /** The fixture model's {@code lstm}: LSTM 5 -> 7, two layers, bidirectional. */
    private static final RnnSpec LSTM = new RnnSpec(CellType.LSTM, 5, 7, 2, true, true);
    private static final String PREFIX = "lstm.";
    private static final float TOLERANCE = 1e-5f;

    private static Path fixture(Path dir, String file) throws IOException {
        Path p = dir.resolve(file);
        try (InputStream in = StateDictInteropTest.class.getResourceAsStream("/dev/rnn4j/conformance/interop/"
                + file)) {
            Files.copy(in, p);
        }
        return p;
    }

    /** The layer's output on the fixture's input, and PyTorch's, must agree. */
    private static void reproducesPyTorch(RnnParameters weights, Path dir) throws IOException {
        NpzFile io = NpzFile.read(fixture(dir, "model_io.npz"));
        try (Backend b = new ReferenceBackendProvider().open(BackendOptions.defaults());
             RecurrentLayer layer = RecurrentLayer.create(b, LSTM, weights)) {
            RnnOutput out = layer.forward(RnnInput.sequenceMajor(io.floats("input"), 4, 3));
            float[] expected = io.floats("output");
            assertEquals(expected.length, out.output().length);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], out.output()[i], TOLERANCE, "output " + i);
            }
            assertArrayEquals(io.floats("h_n"), out.hN(), TOLERANCE);
            assertArrayEquals(io.floats("c_n"), out.cN(), TOLERANCE);
        }
    }

    @Test
    void aLayerOutOfAWholeModelsNpzByPrefix(@TempDir Path dir) throws Exception {
        TensorSource npz = TensorSource.read(fixture(dir, "model_state_dict.npz"));
        assertTrue(npz instanceof NpzFile, "told by its first bytes");
        StateDictLoad load = RnnModelFile.loadStateDict(npz, RnnParameters.zeros(LSTM),
                StateDictOptions.defaults().withPrefix(PREFIX));
        assertEquals(List.of(), load.missingKeys());
        assertEquals(List.of(), load.unexpectedKeys());
        reproducesPyTorch(load.weights(), dir);
    }

    @Test
    void theSameOutOfASafetensorsStateDictWithoutMetadata(@TempDir Path dir) throws Exception {
        TensorSource st = TensorSource.read(fixture(dir, "model_state_dict.safetensors"));
        StateDictLoad load = RnnModelFile.loadStateDict(st, RnnParameters.zeros(LSTM),
                StateDictOptions.defaults().withPrefix(PREFIX));
        reproducesPyTorch(load.weights(), dir);
    }

    @Test
    void strictWithoutThePrefixListsWhatIsMissingAndWhatIsNot(@TempDir Path dir) throws Exception {
        TensorSource npz = TensorSource.read(fixture(dir, "model_state_dict.npz"));
        MalformedFileException e = assertThrows(MalformedFileException.class,
                () -> RnnModelFile.loadStateDict(npz, RnnParameters.zeros(LSTM), StateDictOptions.defaults()));
        assertTrue(e.getMessage().contains("missing keys [weight_ih_l0, weight_hh_l0"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected keys [embed.weight, embed.bias, lstm.weight_ih_l0"),
                e.getMessage());
        assertTrue(e.getMessage().contains("nonStrict()"), "says how to load anyway: " + e.getMessage());
    }

    @Test
    void nonStrictLoadsWhatIsThereReportsTheRestAndKeepsTheMissing(@TempDir Path dir) throws Exception {
        TensorSource npz = TensorSource.read(fixture(dir, "model_state_dict.npz"));
        RnnSpec threeLayers = new RnnSpec(CellType.LSTM, 5, 7, 3, true, true);
        RnnParameters current = RnnParameters.uniform(threeLayers, 4);
        RnnParameters before = current.copy();
        StateDictLoad load = RnnModelFile.loadStateDict(npz, current, StateDictOptions.defaults().withPrefix(PREFIX)
                .nonStrict());
        assertEquals(List.of("lstm.weight_ih_l2", "lstm.weight_hh_l2", "lstm.bias_ih_l2", "lstm.bias_hh_l2",
                "lstm.weight_ih_l2_reverse", "lstm.weight_hh_l2_reverse", "lstm.bias_ih_l2_reverse",
                "lstm.bias_hh_l2_reverse"), load.missingKeys());
        assertEquals(List.of(), load.unexpectedKeys());
        for (Parameter p : current.parameters()) {
            assertArrayEquals(before.get(p.name()), current.get(p.name()), "the caller's weights are not modified");
            if (p.name().contains("_l2")) {
                assertArrayEquals(before.get(p.name()), load.weights().get(p.name()), p.name() + " kept");
            } else {
                assertArrayEquals(npz.floats(PREFIX + p.name()), load.weights().get(p.name()), p.name() + " loaded");
            }
        }
    }

    @Test
    void aShapeThatDisagreesIsRefusedEvenNonStrict(@TempDir Path dir) throws Exception {
        TensorSource npz = TensorSource.read(fixture(dir, "model_state_dict.npz"));
        RnnSpec wider = new RnnSpec(CellType.LSTM, 5, 8, 2, true, true);
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> RnnModelFile.loadStateDict(
                npz, RnnParameters.zeros(wider), StateDictOptions.defaults().withPrefix(PREFIX).nonStrict()));
        assertTrue(e.getMessage().contains("tensor 'lstm.weight_ih_l0' has shape [28, 5]"), e.getMessage());
    }

    @Test
    void savedUnderAPrefixItLoadsBackBothWays(@TempDir Path dir) throws Exception {
        RnnParameters weights = RnnParameters.uniform(LSTM, 8);
        Path st = dir.resolve("encoder.safetensors");
        RnnModelFile.save(st, weights, false, "encoder.lstm.");
        RnnModelFile.Model model = RnnModelFile.load(st);
        assertEquals(LSTM, model.spec());
        Path npz = dir.resolve("encoder.npz");
        RnnModelFile.saveNpz(npz, weights, "encoder.lstm.");
        TensorSource read = TensorSource.read(npz);
        RnnParameters fromNpz = RnnModelFile.loadStateDict(read, RnnParameters.zeros(LSTM),
                StateDictOptions.defaults().withPrefix("encoder.lstm.")).weights();
        for (Parameter p : weights.parameters()) {
            assertArrayEquals(weights.get(p.name()), model.weights().get(p.name()), p.name());
            assertArrayEquals(weights.get(p.name()), fromNpz.get(p.name()), p.name());
            assertArrayEquals(p.shape(), read.shape("encoder.lstm." + p.name()), p.name());
        }
    }

    /** NumPy itself reads what rnn4j writes: names, shapes and values. */
    @Test
    void numpyLoadsTheNpzRnn4jWrites(@TempDir Path dir) throws Exception {
        if (System.getenv("CI") == null) {
            assumeTrue(PyTorchLoadsRnn4jModelsTest.torchAvailable(), "/usr/bin/python3 with numpy not installed");
        }
        RnnParameters weights = RnnParameters.uniform(LSTM, 9);
        Path npz = dir.resolve("w.npz");
        RnnModelFile.saveNpz(npz, weights, "m.");
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import numpy as np, sys\n"
                + "d = np.load(sys.argv[1])\n"
                + "a = d['m.weight_hh_l1_reverse']\n"
                + "print(len(d.files), a.dtype, a.shape, repr(float(a[3, 2])))", npz.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), out);
        String[] words = out.split(" ");
        assertEquals(weights.parameters().size() + " float32 (28, 7)", out.substring(0, out.lastIndexOf(' ')), out);
        assertEquals(weights.get("weight_hh_l1_reverse")[3 * 7 + 2],
                (float) Double.parseDouble(words[words.length - 1]));
    }
}
