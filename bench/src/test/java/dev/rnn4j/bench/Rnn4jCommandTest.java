package dev.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rnn4j.BuildInfo;
import dev.rnn4j.conformance.Fixture;
import dev.rnn4j.conformance.Tolerance;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Rnn4jCommandTest {

    record Result(int status, String out, String err) {
    }

    static Result rnn4j(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Rnn4jCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(status, out.toString(), err.toString());
    }

    static Path fixtureFile(Path dir, String file) throws Exception {
        Path p = dir.resolve(file);
        try (InputStream in = Fixture.class.getResourceAsStream("/dev/rnn4j/conformance/pytorch/" + file)) {
            Files.copy(in, p);
        }
        return p;
    }

    @Test
    void infoListsEveryProviderAndTheAutoChoice() {
        Result r = rnn4j("info");
        assertEquals(0, r.status(), r.err());
        for (String name : new String[] {"cuda", "opencl", "cpu", "reference"}) {
            assertTrue(r.out().contains("\n" + name + " "), r.out());
        }
        assertTrue(r.out().contains("auto picks: "), r.out());
        // Every available device with a measured SGEMM rate: cpu and reference are always available.
        assertTrue(r.out().matches("(?s).*\ncpu +.*SGEMM 1024³ [0-9.]+ GFLOP/s.*"), r.out());
        assertTrue(r.out().matches("(?s).*\nreference +.*SGEMM 256³ [0-9.]+ GFLOP/s.*"), r.out());
    }

    @Test
    void infoAsJsonSaysWhatTheTextSays() throws Exception {
        Result r = rnn4j("info", "--json", "--no-peak");
        assertEquals(0, r.status(), r.err());
        JsonNode root = new ObjectMapper()
                .readTree(r.out());
        assertEquals(BuildInfo.version(), root.get("rnn4j_version").asText());
        assertTrue(root.hasNonNull("rnn4j_commit"));
        assertEquals(System.getProperty("java.version"), root.get("jvm").get("version").asText());
        Map<String, JsonNode> byName = new HashMap<>();
        root.get("backends").forEach(b -> byName.put(b.get("name").asText(), b));
        assertEquals(Set.of("cuda", "opencl", "cpu", "reference"), byName.keySet());
        assertTrue(byName.get("reference").get("available").asBoolean());
        assertTrue(byName.get("reference").get("device").hasNonNull("name"));
        assertFalse(byName.get("reference").has("sgemm_gflops"), "--no-peak measures nothing");
        for (JsonNode b : byName.values()) {
            assertTrue(b.get("available").asBoolean() || b.hasNonNull("remedy"), b.toString());
        }
        assertTrue(byName.containsKey(root.get("auto").asText()), root.get("auto").toString());
    }

    @Test
    void versionNamesTheBuildAndItsCommit() {
        Result r = rnn4j("--version");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("rnn4j " + BuildInfo.version() + " (commit "), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"lstm_2layer_bidirectional_lengths", "gru_2layer_bidirectional_lengths",
            "rnn_tanh_batch_first_no_bias_lengths", "rnn_relu"})
    void runReproducesPyTorchFromFiles(String fixture, @TempDir Path dir) throws Exception {
        Path model = fixtureFile(dir, fixture + ".model.safetensors");
        Path io = fixtureFile(dir, fixture + ".io.safetensors");
        Path out = dir.resolve("out.safetensors");
        Result r = rnn4j("run", "--model", model.toString(), "--inputs", io.toString(), "--out", out.toString(),
                "--backend", "reference", "--backward");
        assertEquals(0, r.status(), r.err());
        SafetensorsFile expected = SafetensorsFile.read(io);
        SafetensorsFile actual = SafetensorsFile.read(out);
        assertEquals("reference", actual.metadata().get("backend"));
        Tolerance t = Tolerance.FP32.forReduction(64).forGradients();
        int compared = 0;
        for (String name : actual.tensors().keySet()) {
            assertTrue(expected.has(name), "PyTorch has no " + name);
            assertEquals(expected.info(name).shapeText(), actual.info(name).shapeText(), name);
            assertNull(t.compare(name, expected.doubles(name), actual.floats(name)));
            compared++;
        }
        assertTrue(compared >= 6, "compared " + compared);
    }

    @Test
    void errorsAreOneLineAndNonZero(@TempDir Path dir) throws Exception {
        Path model = fixtureFile(dir, "lstm.model.safetensors");
        Path io = fixtureFile(dir, "lstm.io.safetensors");
        Path out = dir.resolve("o.safetensors");

        Result missing = rnn4j("run", "--model", dir.resolve("nope.safetensors").toString(), "--inputs", io.toString(),
                "--out", out.toString());
        assertEquals(1, missing.status());
        assertEquals("rnn4j run: error: no such file: " + dir.resolve("nope.safetensors") + " (--model)",
                missing.err().strip());

        Files.write(dir.resolve("bad.safetensors"), new byte[] {1, 2, 3});
        Result bad = rnn4j("run", "--model", dir.resolve("bad.safetensors").toString(), "--inputs", io.toString(),
                "--out", out.toString());
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("truncated: 3 bytes"), bad.err());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());

        new SafetensorsWriter().addF32("input", new float[8], 2, 2, 2).write(dir.resolve("x.safetensors"));
        Result shape = rnn4j("run", "--model", model.toString(), "--inputs", dir.resolve("x.safetensors").toString(),
                "--out", out.toString());
        assertEquals(1, shape.status());
        assertTrue(shape.err().contains("tensor 'input' has shape [2, 2, 2]; expected [T, B, 3]"), shape.err());

        new SafetensorsWriter().addF32("input", new float[6], 1, 2, 3).write(dir.resolve("x1.safetensors"));
        Result noGrad = rnn4j("run", "--model", model.toString(), "--inputs", dir.resolve("x1.safetensors").toString(),
                "--out", out.toString(), "--backward");
        assertEquals(1, noGrad.status());
        assertTrue(noGrad.err().contains("--backward needs at least one"), noGrad.err());

        Result unknown = rnn4j("run", "--model", model.toString(), "--inputs", io.toString(), "--out", out.toString(),
                "--backend", "tpu");
        assertEquals(1, unknown.status());
        assertTrue(unknown.err().contains("unknown backend 'tpu'"), unknown.err());
        assertTrue(!Files.exists(out), "nothing written on failure");

        Result usage = rnn4j("run", "--model", model.toString());
        assertEquals(2, usage.status());
        assertTrue(usage.err().contains("Missing required options"), usage.err());
        Result neither = rnn4j("run", "--inputs", io.toString(), "--out", out.toString());
        assertEquals(2, neither.status());
        assertTrue(neither.err().contains("give one of --model or --onnx"), neither.err());
    }

    /** An .onnx graph (bidirectional LSTM, Transpose, Reshape, GRU, Squeeze) run from files, outputs by name. */
    @Test
    void runEvaluatesAnOnnxGraphByItsNames(@TempDir Path dir) throws Exception {
        Path fixtures = Path.of("..", "onnx", "src", "test", "resources", "dev", "rnn4j", "onnx");
        Path model = fixtures.resolve("spec_stacked_lstm_gru_shape_ops.onnx");
        Path io = fixtures.resolve("spec_stacked_lstm_gru_shape_ops.io.safetensors");
        Path out = dir.resolve("o.safetensors");
        Result r = rnn4j("run", "--onnx", model.toString(), "--inputs", io.toString(), "--out", out.toString(),
                "--backend", "cpu");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("out, Y2_h, encoder_c"), r.out());
        SafetensorsFile expected = SafetensorsFile.read(io);
        SafetensorsFile got = SafetensorsFile.read(out);
        for (String name : new String[] {"out", "Y2_h", "encoder_c"}) {
            double[] e = expected.doubles("expected." + name);
            float[] g = got.floats(name);
            assertEquals(e.length, g.length, name);
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], g[i], 2e-5 + 2e-5 * Math.abs(e[i]), name + "[" + i + "]");
            }
        }

        new SafetensorsWriter().addF32("X", new float[60], 5, 3, 4).write(dir.resolve("x.safetensors"));
        Result missing = rnn4j("run", "--onnx", model.toString(), "--inputs", dir.resolve("x.safetensors").toString(),
                "--out", dir.resolve("o2.safetensors").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("lacks graph input 'lens' (the graph's inputs: [X, lens])"), missing.err());
        Result both = rnn4j("run", "--onnx", model.toString(), "--model", model.toString(), "--inputs", io.toString(),
                "--out", out.toString());
        assertEquals(2, both.status());
        assertTrue(both.err().contains("give one of --model or --onnx"), both.err());
        Result backward = rnn4j("run", "--onnx", model.toString(), "--inputs", io.toString(), "--out", out.toString(),
                "--backward");
        assertEquals(2, backward.status());
        assertTrue(backward.err().contains("ONNX graphs run forward"), backward.err());
    }

    @Test
    void demoVerifiesAgainstTheOracle() {
        Result r = rnn4j("demo", "--backend", "reference", "--cell", "gru", "--hidden", "8", "--input", "5",
                "--steps", "6", "--batch", "3");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("OK"), r.out());
    }
}
