package dev.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.serving.InferenceSession;
import dev.rnn4j.serving.SessionClosedException;
import dev.rnn4j.serving.SessionOptions;
import dev.rnn4j.serving.SessionStream;
import dev.rnn4j.serving.StreamClosedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input catalogue: files, shapes, lengths, non-finite values, paths and arguments through {@code rnn4j run},
 * and misuse through the API and the serving API. Every case asserts that the message names the problem and that
 * nothing the caller owns changed: on the command line the exit status is non-zero, the error one line with no
 * stack trace, every file in the folder (an existing output among them) byte for byte as before and no temporary
 * file left; through the API the caller's arrays are as they were and the object still gives its correct result.
 */
class BadInputCatalogueTest {
    static final RnnSpec LSTM = new RnnSpec(CellType.LSTM, 3, 4, 1, false, true);
    static final RnnParameters WEIGHTS = RnnParameters.uniform(LSTM, 11);
    static final int T = 2;
    static final int B = 2;

    @TempDir
    Path root;

    // ---- helpers for files ----------------------------------------------------------------------------------

    /** A safetensors file from header JSON and raw data bytes (values 0, 1, 2, ...). */
    static byte[] raw(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    static byte[] withHeaderLength(long length) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(length).array();
    }

    /** The good model as a writer, with its metadata edited and tensors chosen, renamed or replaced. */
    static byte[] model(Consumer<Map<String, String>> metadata, Consumer<Map<String, float[]>> tensors,
                        Map<String, long[]> shapes) throws IOException {
        Map<String, String> m = new LinkedHashMap<>(Map.of("mode", "LSTM", "input_size", "3", "hidden_size", "4",
                "num_layers", "1", "bidirectional", "False", "bias", "True", "batch_first", "False"));
        metadata.accept(m);
        Map<String, float[]> t = new LinkedHashMap<>();
        WEIGHTS.parameters().forEach(p -> t.put(p.name(), WEIGHTS.get(p.name()).clone()));
        tensors.accept(t);
        SafetensorsWriter w = new SafetensorsWriter();
        m.forEach(w::metadata);
        t.forEach((name, v) -> {
            long[] shape = shapes.getOrDefault(name, name.equals("extra") ? new long[] {v.length}
                    : WEIGHTS.parameter(name).shape());
            w.addF32(name, v, shape);
        });
        return w.toBytes();
    }

    static byte[] goodModel() throws IOException {
        return model(m -> { }, t -> { }, Map.of());
    }

    /** Inputs for the good model: 'input' [T, B, 3] plus what {@code more} adds. */
    static byte[] inputs(Consumer<SafetensorsWriter> more) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().addF32("input", ramp(T * B * 3), T, B, 3);
        more.accept(w);
        return w.toBytes();
    }

    static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i % 5) * 0.2f - 0.4f;
        }
        return v;
    }

    record Cli(String name, byte[] model, byte[] inputs, String fragment, String... extraArgs) {
    }

    /**
     * Runs {@code rnn4j run} on the case's files (null: that path holds a directory) in a fresh folder that also holds
     * an existing output; checks the refusal and that every file is as it was.
     */
    private void runRefused(Cli c) throws Exception {
        Path dir = Files.createDirectories(root.resolve(c.name().replaceAll("[^A-Za-z0-9]+", "_")));
        Path model = dir.resolve("model.safetensors");
        Path in = dir.resolve("inputs.safetensors");
        Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(model, c.model());
        files.put(in, c.inputs());
        for (Map.Entry<Path, byte[]> f : files.entrySet()) {
            if (f.getValue() == null) {
                Files.createDirectories(f.getKey());
            } else {
                Files.write(f.getKey(), f.getValue());
            }
        }
        Path out = dir.resolve("out.safetensors");
        Files.writeString(out, "the caller's earlier results");
        // The case's arguments replace the defaults by option name; "-" drops an option, a lone flag is added.
        Map<String, String> options = new LinkedHashMap<>();
        options.put("--model", model.toString());
        options.put("--inputs", in.toString());
        options.put("--out", out.toString());
        options.put("--backend", "reference");
        List<String> flags = new ArrayList<>();
        String[] extra = c.extraArgs();
        for (int i = 0; i < extra.length; i++) {
            if (i + 1 < extra.length && !extra[i + 1].startsWith("--")) {
                String value = extra[++i].replace("DIR", dir.toString());
                if (value.equals("-")) {
                    options.remove(extra[i - 1]);
                } else {
                    options.put(extra[i - 1], value);
                }
            } else {
                flags.add(extra[i]);
            }
        }
        List<String> args = new ArrayList<>(List.of("run"));
        options.forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        args.addAll(flags);
        Map<Path, byte[]> before = snapshot(dir);
        Rnn4jCommandTest.Result r = Rnn4jCommandTest.rnn4j(args.toArray(String[]::new));
        assertNotEquals(0, r.status(), c.name() + ": " + r.out());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), c.name() + ": not one line: " + err);
        assertTrue(err.startsWith("rnn4j run: error: "), err);
        assertTrue(err.contains(c.fragment()), c.name() + ": '" + err + "' lacks '" + c.fragment() + "'");
        assertFalse(err.contains("Exception:") || err.contains("\tat "), c.name() + ": " + err);
        Map<Path, byte[]> after = snapshot(dir);
        assertEquals(before.keySet(), after.keySet(), c.name() + ": files added or removed");
        before.forEach((p, bytes) -> assertArrayEquals(bytes, after.get(p), c.name() + ": " + p + " changed"));
    }

    private static Map<Path, byte[]> snapshot(Path dir) throws IOException {
        Map<Path, byte[]> files = new LinkedHashMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                files.put(p, Files.isRegularFile(p) ? Files.readAllBytes(p) : new byte[0]);
            }
        }
        return files;
    }

    // ---- the command line -----------------------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> commandLine() throws Exception {
        byte[] model = goodModel();
        byte[] in = inputs(w -> { });
        String f32 = "\"dtype\":\"F32\"";
        float[] nan = WEIGHTS.get("weight_hh_l0").clone();
        nan[5] = Float.NaN;
        float[] inf = WEIGHTS.get("bias_ih_l0").clone();
        inf[0] = Float.NEGATIVE_INFINITY;
        List<Cli> cases = List.of(
                // The model file itself.
                new Cli("model is a directory", null, in, "model.safetensors is a directory; give a file"),
                new Cli("model is empty", new byte[0], in, "truncated: 0 bytes"),
                new Cli("model is truncated", new byte[] {1, 2, 3}, in, "truncated: 3 bytes"),
                new Cli("header length over the limit", withHeaderLength(1L << 40), in, "-byte limit"),
                new Cli("header length negative", withHeaderLength(-5), in, "-byte limit"),
                new Cli("header past the end", withHeaderLength(100), in, "runs past the end of the file"),
                new Cli("header not JSON", raw("{\"a\":", 0), in, "header is not valid JSON"),
                new Cli("header a JSON array", raw("[1,2]", 0), in, "header must be a JSON object"),
                new Cli("duplicate tensor names", raw("{\"a\":{" + f32 + ",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"a\":{" + f32 + ",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), in, "Duplicate field 'a'"),
                new Cli("unknown dtype", raw("{\"a\":{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                        in, "unknown dtype 'F12'"),
                new Cli("negative dimension", raw("{\"a\":{" + f32 + ",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4),
                        in, "shape entry 0 must be an integer >= 0"),
                new Cli("shape overflows", raw("{\"a\":{" + f32 + ",\"shape\":[4294967296,4294967296,4],"
                        + "\"data_offsets\":[0,4]}}", 4), in, "overflows"),
                new Cli("offsets past the data", raw("{\"a\":{" + f32 + ",\"shape\":[4],\"data_offsets\":[0,16]}}",
                        8), in, "run past the data section (8 bytes)"),
                new Cli("offsets disagree with the shape", raw("{\"a\":{" + f32 + ",\"shape\":[4],"
                        + "\"data_offsets\":[0,8]}}", 16), in, "needs 16 bytes but data_offsets span 8"),
                new Cli("reversed offsets", raw("{\"a\":{" + f32 + ",\"shape\":[0],\"data_offsets\":[8,4]}}", 8),
                        in, "bad data_offsets [8, 4]"),
                new Cli("overlapping tensors", raw("{\"a\":{" + f32 + ",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{" + f32 + ",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), in, "overlap"),
                new Cli("metadata not strings", raw("{\"__metadata__\":{\"mode\":4}}", 0), in,
                        "__metadata__ entry 'mode' must be a string"),
                // The spec in the metadata.
                new Cli("metadata lacks the mode", model(m -> m.remove("mode"), t -> { }, Map.of()), in,
                        "metadata lacks [mode]"),
                new Cli("unknown mode", model(m -> m.put("mode", "TRANSFORMER"), t -> { }, Map.of()), in,
                        "metadata mode:"),
                new Cli("hidden size not a number", model(m -> m.put("hidden_size", "four"), t -> { }, Map.of()), in,
                        "metadata hidden_size = 'four' is not an integer"),
                new Cli("hidden size zero", model(m -> m.put("hidden_size", "0"), t -> { }, Map.of()), in,
                        "hiddenSize must be > 0"),
                new Cli("a billion layers", model(m -> m.put("num_layers", "1000000000"), t -> { }, Map.of()), in,
                        "layers must be at most 65536, got 1000000000"),
                new Cli("sixty thousand layers over four tensors", model(m -> m.put("num_layers", "60000"), t -> { },
                        Map.of()), in, "which has 240000 parameter tensors; the file holds 4"),
                new Cli("bidirectional not a boolean", model(m -> m.put("bidirectional", "maybe"), t -> { },
                        Map.of()), in, "metadata bidirectional = 'maybe' is not a boolean"),
                new Cli("weights larger than Java arrays", model(m -> m.put("hidden_size", "100000"), t -> { },
                        Map.of()), in, "exceeds 2^31 - 1 elements"),
                // The weights.
                new Cli("a weight missing", model(m -> { }, t -> t.remove("bias_hh_l0"), Map.of()), in,
                        "missing tensor 'bias_hh_l0' of shape [16]"),
                new Cli("an unexpected tensor", model(m -> { }, t -> t.put("extra", new float[3]), Map.of()), in,
                        "unexpected tensors [extra]"),
                new Cli("a weight of the wrong shape", model(m -> { }, t -> { },
                        Map.of("weight_ih_l0", new long[] {3, 16})), in, "tensor 'weight_ih_l0' has shape [3, 16]"),
                new Cli("a NaN weight", model(m -> { }, t -> t.put("weight_hh_l0", nan), Map.of()), in,
                        "tensor 'weight_hh_l0' holds NaN at flat index 5"),
                new Cli("an infinite weight", model(m -> { }, t -> t.put("bias_ih_l0", inf), Map.of()), in,
                        "tensor 'bias_ih_l0' holds -Infinity at flat index 0"),
                new Cli("integer weights", new SafetensorsWriter().metadata("mode", "RNN_TANH")
                        .metadata("input_size", "1").metadata("hidden_size", "1").metadata("bias", "False")
                        .addI64("weight_ih_l0", new int[] {1}, 1, 1).addI64("weight_hh_l0", new int[] {1}, 1, 1)
                        .toBytes(), in, "is I64; weights must be F32, F64, F16 or BF16"),
                // The inputs.
                new Cli("inputs are a directory", model, null, "inputs.safetensors is a directory; give a file"),
                new Cli("no input tensor", model, new SafetensorsWriter().addF32("x", new float[3], 3).toBytes(),
                        "missing tensor 'input'"),
                new Cli("input of rank 2", model, new SafetensorsWriter().addF32("input", new float[6], 2, 3)
                        .toBytes(), "tensor 'input' has shape [2, 3]; expected [T, B, 3]"),
                new Cli("input of the wrong width", model, new SafetensorsWriter().addF32("input", new float[8],
                        2, 2, 2).toBytes(), "tensor 'input' has shape [2, 2, 2]; expected [T, B, 3]"),
                new Cli("input with no steps", model, new SafetensorsWriter().addF32("input", new float[0], 0, 2, 3)
                        .toBytes(), "tensor 'input' has shape [0, 2, 3]"),
                new Cli("integer input", model, new SafetensorsWriter().addI64("input", new int[12], T, B, 3)
                        .toBytes(), "tensor 'input' is I64; expected a floating-point dtype"),
                new Cli("a length of zero", model, inputs(w -> w.addI64("lengths", new int[] {2, 0}, B)),
                        "tensor 'lengths' element 1 = 0 is out of range 1..2"),
                new Cli("a length past T", model, inputs(w -> w.addI64("lengths", new int[] {3, 1}, B)),
                        "tensor 'lengths' element 0 = 3 is out of range 1..2"),
                new Cli("lengths of the wrong shape", model, inputs(w -> w.addI64("lengths", new int[] {2, 1, 1}, 3)),
                        "tensor 'lengths' has shape [3]; expected [2]"),
                new Cli("fractional lengths", model, inputs(w -> w.addF32("lengths", new float[] {1.5f, 2}, B)),
                        "tensor 'lengths' element 0 = 1.5 is not a 32-bit integer"),
                new Cli("h0 of the wrong shape", model, inputs(w -> w.addF32("h0", new float[8], B, 4)),
                        "tensor 'h0' has shape [2, 4]; expected [1, 2, 4]"),
                new Cli("c0 of the wrong shape", model, inputs(w -> w.addF32("c0", new float[8], 1, 4, 2)),
                        "tensor 'c0' has shape [1, 4, 2]; expected [1, 2, 4]"),
                new Cli("backward without gradients", model, in, "--backward needs at least one", "--backward"),
                new Cli("grad_output of the wrong shape", model, inputs(w -> w.addF32("grad_output", new float[4], 4)),
                        "tensor 'grad_output' has shape [4]; expected [2, 2, 4]", "--backward"),
                // Paths and arguments.
                new Cli("output is a directory", model, in, "output_is_a_directory is a directory; give a file name",
                        "--out", "DIR"),
                new Cli("output under a file", model, in, "is a file, not a folder", "--out",
                        "DIR/model.safetensors/o.safetensors"),
                new Cli("an unknown backend", model, in, "unknown backend 'tpu'", "--backend", "tpu"),
                new Cli("a backend index out of range", model, in,
                        "the reference backend has one device, 'reference:0'; got device '7'", "--backend",
                        "reference:7"),
                new Cli("not an ONNX model", model, in, "not an ONNX model", "--onnx", "DIR/model.safetensors",
                        "--model", "-"));
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> runRefused(c)));
    }

    // ---- the API ----------------------------------------------------------------------------------------------

    /** A misuse: it throws {@code type} with {@code fragment}, and leaves {@code x} and the layer as they were. */
    private static void refusedByLayer(Class<? extends Throwable> type, String fragment,
                                       java.util.function.BiFunction<RecurrentLayer, float[], Executable> misuse)
            throws Exception {
        try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
             RecurrentLayer layer = RecurrentLayer.create(backend, LSTM, WEIGHTS)) {
            float[] x = ramp(T * B * 3);
            float[] good = layer.forward(RnnInput.sequenceMajor(x, T, B)).output();
            float[] xBefore = x.clone();
            String m = assertThrows(type, misuse.apply(layer, x)).getMessage();
            assertTrue(m != null && m.contains(fragment), "'" + m + "' lacks '" + fragment + "'");
            assertArrayEquals(xBefore, x, "the caller's input changed");
            assertArrayEquals(good, layer.forward(RnnInput.sequenceMajor(x, T, B)).output(),
                    "the layer gives another result after the refusal");
        }
    }

    @TestFactory
    Stream<DynamicTest> api() {
        Map<String, Executable> cases = new LinkedHashMap<>();
        cases.put("input of the wrong length", () -> refusedByLayer(IllegalArgumentException.class, "x has",
                (l, x) -> () -> l.forward(RnnInput.sequenceMajor(Arrays.copyOf(x, x.length - 1), T, B))));
        cases.put("a length past T", () -> refusedByLayer(IllegalArgumentException.class, "lengths[1] = 3",
                (l, x) -> () -> l.forward(RnnInput.sequenceMajor(x, T, B).withLengths(new int[] {2, 3}))));
        cases.put("h0 of the wrong length", () -> refusedByLayer(IllegalArgumentException.class, "h0",
                (l, x) -> () -> l.forward(RnnInput.sequenceMajor(x, T, B).withInitialState(new float[3], null))));
        cases.put("backward without a training forward", () -> refusedByLayer(IllegalStateException.class,
                "forwardTraining", (l, x) -> () -> l.backward(new dev.rnn4j.OutputGradients(new float[T * B * 4],
                        null, null))));
        cases.put("weights with NaN", () -> {
            RnnParameters w = WEIGHTS.copy();
            w.get("weight_ih_l0")[2] = Float.NaN;
            float[] before = w.get("weight_ih_l0").clone();
            try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults())) {
                String m = assertThrows(IllegalArgumentException.class,
                        () -> RecurrentLayer.create(backend, LSTM, w)).getMessage();
                assertTrue(m.contains("weight_ih_l0 holds NaN at flat index 2"), m);
            }
            assertArrayEquals(before, w.get("weight_ih_l0"), "the caller's weights changed");
        });
        cases.put("weights of another spec", () -> {
            try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults())) {
                RnnSpec gru = new RnnSpec(CellType.GRU, 3, 4, 1, false, true);
                String m = assertThrows(IllegalArgumentException.class,
                        () -> RecurrentLayer.create(backend, gru, WEIGHTS)).getMessage();
                assertTrue(m.contains("GRU"), m);
            }
        });
        cases.put("a layer used after close", () -> {
            try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults())) {
                RecurrentLayer layer = RecurrentLayer.create(backend, LSTM, WEIGHTS);
                layer.close();
                String m = assertThrows(IllegalStateException.class,
                        () -> layer.forward(RnnInput.sequenceMajor(ramp(T * B * 3), T, B))).getMessage();
                assertTrue(m.contains("used after close"), m);
                layer.close(); // twice is harmless
            }
        });
        cases.put("a spec too large for Java arrays", () -> {
            String m = assertThrows(IllegalArgumentException.class,
                    () -> new RnnSpec(CellType.LSTM, 1, 100_000, 1, false, true)).getMessage();
            assertTrue(m.contains("exceeds 2^31 - 1 elements"), m);
        });
        cases.put("a model file over the API with a billion layers", () -> {
            Path p = root.resolve("billion.safetensors");
            Files.write(p, model(m -> m.put("num_layers", "1000000000"), t -> { }, Map.of()));
            byte[] before = Files.readAllBytes(p);
            String m = assertThrows(dev.rnn4j.io.MalformedFileException.class, () -> RnnModelFile.load(p))
                    .getMessage();
            assertTrue(m.contains("layers must be at most 65536"), m);
            assertArrayEquals(before, Files.readAllBytes(p));
        });
        cases.put("NaN inputs propagate, as in PyTorch, to their own batch row only", () -> {
            try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
                 RecurrentLayer layer = RecurrentLayer.create(backend, LSTM, WEIGHTS)) {
                float[] x = ramp(T * B * 3);
                x[0] = Float.NaN; // step 0, batch row 0
                float[] y = layer.forward(RnnInput.sequenceMajor(x, T, B)).output();
                for (int t = 0; t < T; t++) {
                    for (int j = 0; j < 4; j++) {
                        assertTrue(Float.isNaN(y[(t * B) * 4 + j]), "row 0 step " + t);
                        assertTrue(Float.isFinite(y[(t * B + 1) * 4 + j]), "row 1 step " + t);
                    }
                }
            }
        });
        // Serving.
        cases.put("a request after the session closed", () -> {
            try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults())) {
                InferenceSession session = InferenceSession.open(backend, WEIGHTS, SessionOptions.defaults());
                session.close();
                float[] x = ramp(3 * T);
                float[] before = x.clone();
                assertThrows(SessionClosedException.class, () -> session.submit(x, T));
                assertArrayEquals(before, x);
            }
        });
        cases.put("a full queue that rejects", () -> {
            try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
                 InferenceSession session = InferenceSession.open(backend, WEIGHTS, SessionOptions.defaults()
                         .withQueueCapacity(1).withMaxBatch(1).withWhenFull(SessionOptions.FullQueue.REJECT)
                         .withMaxQueueDelay(Duration.ofSeconds(30)))) {
                float[] x = ramp(3 * T);
                List<CompletableFuture<?>> accepted = new ArrayList<>();
                RejectedExecutionException e = null;
                for (int i = 0; i < 1000 && e == null; i++) {
                    try {
                        accepted.add(session.submit(x, T));
                    } catch (RejectedExecutionException rejected) {
                        e = rejected;
                    }
                }
                assertTrue(e != null && e.getMessage().contains("queue"), String.valueOf(e));
                for (CompletableFuture<?> f : accepted) {
                    f.get(); // what was accepted still runs
                }
                assertArrayEquals(ramp(3 * T), x);
            }
        });
        cases.put("a stream fed after it closed", () -> {
            try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
                 InferenceSession session = InferenceSession.open(backend, WEIGHTS, SessionOptions.defaults())) {
                SessionStream s = session.openStream();
                s.close();
                String m = assertThrows(StreamClosedException.class, () -> s.feed(ramp(3), 1)).getMessage();
                assertTrue(m.contains("closed"), m);
                assertEquals(4 * T, session.run(ramp(3 * T), T).output().length, "the session still serves");
            }
        });
        cases.put("a request that times out in the queue", () -> servedAfter((session, x) -> {
            CompletableFuture<?> timed = session.submit(x, T, null, null, Duration.ofMillis(50));
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> timed.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof java.util.concurrent.TimeoutException, String.valueOf(e.getCause()));
        }));
        cases.put("a cancelled request", () -> servedAfter((session, x) -> {
            CompletableFuture<?> cancelled = session.submit(x, T);
            assertTrue(cancelled.cancel(false));
            assertThrows(java.util.concurrent.CancellationException.class, cancelled::join);
        }));
        cases.put("a stream fed after its idle timeout", () -> {
            try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
                 InferenceSession session = InferenceSession.open(backend, WEIGHTS, SessionOptions.defaults()
                         .withStreamIdleTimeout(Duration.ofMillis(40)))) {
                SessionStream s = session.openStream();
                s.run(ramp(3), 1);
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (s.isOpen() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                float[] x = ramp(3);
                String m = assertThrows(StreamClosedException.class, () -> s.feed(x, 1)).getMessage();
                assertTrue(m.contains("timed out"), m);
                assertArrayEquals(ramp(3), x);
                assertEquals(0, session.stats().openStreams());
                try (SessionStream again = session.openStream()) {
                    assertEquals(4, again.run(x, 1).length, "a new stream opens and runs");
                }
            }
        });
        return cases.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), e.getValue()));
    }

    /**
     * A misuse of a session whose batcher waits 30 s for company (so a request stays queued), then a request
     * queued after it, which closing the session runs: its result is the lone layer's, and the caller's input is
     * as it was.
     */
    private static void servedAfter(java.util.function.BiConsumer<InferenceSession, float[]> misuse) throws Exception {
        float[] x = ramp(3 * T);
        try (Backend backend = new ReferenceBackendProvider().open(BackendOptions.defaults());
             RecurrentLayer lone = RecurrentLayer.create(backend, LSTM, WEIGHTS)) {
            InferenceSession session = InferenceSession.open(backend, WEIGHTS, SessionOptions.defaults()
                    .withMaxBatch(64).withMaxQueueDelay(Duration.ofSeconds(30)));
            misuse.accept(session, x);
            CompletableFuture<dev.rnn4j.serving.SequenceResult> after = session.submit(x, T);
            session.close();
            assertArrayEquals(lone.forward(RnnInput.sequenceMajor(x, T, 1)).output(),
                    after.get(30, java.util.concurrent.TimeUnit.SECONDS).output(), 1e-6f);
            assertArrayEquals(ramp(3 * T), x, "the caller's input changed");
        }
    }
}
