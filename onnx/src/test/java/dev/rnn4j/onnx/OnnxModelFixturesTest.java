package dev.rnn4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.cpu.CpuBackendProvider;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.io.SafetensorsFile;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture model of {@code onnx/fixtures/generate_onnx_models.py} — ONNX's own backend test cases for RNN,
 * LSTM and GRU, and random-weight models over every attribute checked against an independent transcription of
 * the operators' equations — evaluated on the reference and the CPU backends, every graph output compared.
 */
class OnnxModelFixturesTest {

    static Path dir() {
        try {
            return Path.of(OnnxModelFixturesTest.class.getResource("/dev/rnn4j/onnx/index.txt").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir().resolve("index.txt"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            out.add(Arguments.of(line.trim(), "reference"));
            out.add(Arguments.of(line.trim(), "cpu"));
        }
        return out.stream();
    }

    static Backend open(String name) {
        return name.equals("cpu") ? new CpuBackendProvider().open(BackendOptions.defaults())
                : new ReferenceBackendProvider().open(BackendOptions.defaults());
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void producesTheExpectedOutputs(String name, String backendName) throws Exception {
        OnnxModel model = OnnxModel.read(dir().resolve(name + ".onnx"));
        SafetensorsFile io = SafetensorsFile.read(dir().resolve(name + ".io.safetensors"));
        Map<String, OnnxTensor> feeds = new HashMap<>();
        for (String input : model.inputNames()) {
            feeds.put(input, OnnxTensor.read(io, input));
        }
        Map<String, OnnxTensor> outputs;
        try (Backend backend = open(backendName)) {
            outputs = model.run(backend, feeds);
        }
        assertEquals(model.outputNames(), List.copyOf(outputs.keySet()));
        for (Map.Entry<String, OnnxTensor> e : outputs.entrySet()) {
            String key = "expected." + e.getKey();
            assertTrue(io.has(key), name + " has no " + key);
            assertArrayEquals(io.info(key).shape(), e.getValue().shape(), name + " " + e.getKey() + " shape");
            double[] expected = io.doubles(key);
            float[] actual = e.getValue().floats(e.getKey());
            for (int i = 0; i < expected.length; i++) {
                double tol = 2e-5 + 2e-5 * Math.abs(expected[i]);
                if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
                    throw new AssertionError(name + " " + e.getKey() + "[" + i + "]: " + actual[i] + " vs expected "
                            + expected[i] + " on " + backendName);
                }
            }
        }
    }

}
