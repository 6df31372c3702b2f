package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.LayerGradients;
import dev.rnn4j.Layout;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.Parameter;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.conformance.ConformanceCase;
import dev.rnn4j.conformance.ConformanceCases;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.spi.BackendProvider;
import dev.rnn4j.spi.OptimizerArgs;
import dev.rnn4j.spi.TrainingPrimitives;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every bit of what the host backends compute, held against files recorded from an earlier build: for every
 * conformance case, the training forward (output, final states), the inference forward, every input and weight
 * gradient (overwritten, then accumulated over a second pass), and a pass with dropout between layers; then the
 * training primitives (dropout, each optimizer). A change meant to restructure the code, not the arithmetic, must
 * leave all of it alone. The files hold one SHA-256 per tensor, so a failure names the case and tensor that moved.
 *
 * <p>Pinned so the bits depend on the code alone: exact activations (this class runs in the surefire execution that
 * sets them), two CPU threads, and 256-bit vectors ({@code -XX:MaxVectorSize=32} in that execution; a machine whose
 * widest vectors are narrower skips the vector backend with that reason). To record the files anew after a change
 * that is meant to move bits, run with {@code -Drnn4j.golden.record=<directory of the golden files>}.
 */
class GoldenBitsTest {
    private static final String RECORD_PROPERTY = "rnn4j.golden.record";
    private static final int VECTOR_BITS = 256;
    private static final int THREADS = 2;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"reference", "cpu-scalar", "cpu-vector"})
    void everyTensorKeepsItsBits(String backendName) throws IOException {
        assumeTrue(CpuBackendProvider.exactActivations(), "needs -Drnn4j.cpu.activations=exact");
        if (backendName.equals("cpu-vector")) {
            assumeTrue(FloatVector.SPECIES_PREFERRED.vectorBitSize() == VECTOR_BITS, () -> "recorded with "
                    + VECTOR_BITS + "-bit vectors; this JVM's are " + FloatVector.SPECIES_PREFERRED.vectorBitSize());
        }
        Map<String, String> actual = new LinkedHashMap<>();
        try (Backend backend = provider(backendName).open(BackendOptions.defaults())) {
            List<ConformanceCase> cases = ConformanceCases.all();
            for (int i = 0; i < cases.size(); i++) {
                layerPasses(backend, i + " " + cases.get(i), cases.get(i), 41 + i, actual);
            }
            trainingPrimitives(backend, actual);
        }
        String file = backendName + ".txt";
        String record = System.getProperty(RECORD_PROPERTY);
        if (record != null) {
            StringBuilder sb = new StringBuilder();
            actual.forEach((k, v) -> sb.append(v).append(' ').append(k).append('\n'));
            Files.writeString(Path.of(record, file), sb.toString());
            return;
        }
        Map<String, String> expected = read(file);
        List<String> moved = new ArrayList<>();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String got = actual.get(e.getKey());
            if (!e.getValue().equals(got)) {
                moved.add(e.getKey() + (got == null ? " (not computed)" : ""));
            }
        }
        for (String k : actual.keySet()) {
            if (!expected.containsKey(k)) {
                moved.add(k + " (not in " + file + ")");
            }
        }
        assertTrue(moved.isEmpty(), moved.size() + " of " + expected.size() + " tensors changed on " + backendName
                + ", first: " + moved.subList(0, Math.min(10, moved.size())));
        assertEquals(expected.size(), actual.size());
    }

    private static BackendProvider provider(String name) {
        return switch (name) {
            case "reference" -> new ReferenceBackendProvider();
            case "cpu-scalar" -> new CpuBackendProvider(true, THREADS);
            case "cpu-vector" -> new CpuBackendProvider(false, THREADS);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static void layerPasses(Backend backend, String key, ConformanceCase c, long seed,
                                    Map<String, String> out) {
        RnnSpec s = c.spec();
        RnnParameters weights = RnnParameters.uniform(s, seed);
        Random r = new Random(seed * 31 + 7);
        int states = s.hiddenStateFloats(c.batch());
        int cells = s.cellStateFloats(c.batch());
        float[] x = random(r, c.steps() * c.batch() * s.inputSize());
        float[] h0 = c.initialState() ? random(r, states) : null;
        float[] c0 = c.initialState() && s.cell().hasCellState() ? random(r, cells) : null;
        float[] dy = random(r, c.steps() * c.batch() * s.outputSize());
        float[] dhN = random(r, states);
        float[] dcN = s.cell().hasCellState() ? random(r, cells) : null;
        RnnInput in = (c.layout() == Layout.SEQUENCE_MAJOR ? RnnInput.sequenceMajor(x, c.steps(), c.batch())
                : RnnInput.batchMajor(x, c.batch(), c.steps())).withLengths(c.lengths()).withInitialState(h0, c0);
        OutputGradients upstream = new OutputGradients(dy, dhN, dcN);
        try (RecurrentLayer layer = RecurrentLayer.create(backend, s, weights)) {
            RnnOutput o = layer.forwardTraining(in);
            put(out, key, "output", o.output());
            put(out, key, "h_n", o.hN());
            put(out, key, "c_n", o.cN());
            LayerGradients g = layer.backward(upstream);
            put(out, key, "grad_input", g.inputs().gradInput());
            put(out, key, "grad_h0", g.inputs().gradH0());
            put(out, key, "grad_c0", g.inputs().gradC0());
            for (Parameter p : g.weights().parameters()) {
                put(out, key, "grad." + p.name(), g.weights().get(p.name()));
            }
            // A second pass accumulated into the first's weight gradients.
            layer.forwardTraining(in);
            layer.backwardData(upstream);
            layer.backwardWeights(true);
            RnnParameters sum = layer.gradients();
            for (Parameter p : sum.parameters()) {
                put(out, key, "accumulated." + p.name(), sum.get(p.name()));
            }
            RnnOutput inference = layer.forward(in);
            put(out, key, "inference.output", inference.output());
            put(out, key, "inference.h_n", inference.hN());
            put(out, key, "inference.c_n", inference.cN());
            if (s.layers() > 1) {
                layer.setDropout(0.3f, seed);
                RnnOutput d = layer.forwardTraining(in);
                put(out, key, "dropout.output", d.output());
                LayerGradients dg = layer.backward(upstream);
                put(out, key, "dropout.grad_input", dg.inputs().gradInput());
                for (Parameter p : dg.weights().parameters()) {
                    put(out, key, "dropout.grad." + p.name(), dg.weights().get(p.name()));
                }
            }
        }
    }

    private static void trainingPrimitives(Backend b, Map<String, String> out) {
        TrainingPrimitives t = b.trainingPrimitives();
        Random r = new Random(99);
        int n = 1037;
        float[] xv = random(r, n);
        DeviceBuffer x = upload(b, xv);
        DeviceBuffer y = b.allocate(n);
        DeviceBuffer mask = b.allocate(n);
        t.dropout(x, 0, y, 0, mask, 0, n, 0.4f, 12345L);
        put(out, "training", "dropout.y", download(b, y));
        put(out, "training", "dropout.mask", download(b, mask));
        for (OptimizerArgs.Kind kind : OptimizerArgs.Kind.values()) {
            for (boolean decoupled : new boolean[] {false, true}) {
                DeviceBuffer w = upload(b, random(r, n));
                DeviceBuffer g = upload(b, random(r, n));
                DeviceBuffer s1 = upload(b, new float[n]);
                DeviceBuffer s2 = upload(b, new float[n]);
                OptimizerArgs a = new OptimizerArgs();
                a.kind = kind;
                a.n = n;
                a.weights = w;
                a.gradients = g;
                a.state1 = s1;
                a.state2 = kind == OptimizerArgs.Kind.ADAM ? s2 : null;
                a.learningRate = 0.01f;
                a.weightDecay = 0.05f;
                a.decoupledWeightDecay = decoupled;
                a.momentum = kind == OptimizerArgs.Kind.SGD ? 0.9f : 0f;
                for (int step = 1; step <= 3; step++) {
                    a.step = step;
                    t.optimizerStep(a);
                }
                String k = "optimizer." + kind + (decoupled ? ".decoupled" : "");
                put(out, "training", k + ".weights", download(b, w));
                put(out, "training", k + ".state1", download(b, s1));
                put(out, "training", k + ".state2", download(b, s2));
            }
        }
    }

    private static DeviceBuffer upload(Backend b, float[] v) {
        DeviceBuffer d = b.allocate(v.length);
        b.upload(v, 0, d, 0, v.length);
        return d;
    }

    private static float[] download(Backend b, DeviceBuffer d) {
        float[] v = new float[(int) d.size()];
        b.download(d, 0, v, 0, v.length);
        return v;
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static void put(Map<String, String> out, String key, String tensor, float[] v) {
        if (v != null) {
            out.put(key.replace(' ', '_') + " " + tensor, digest(v));
        }
    }

    /** SHA-256 of the floats' raw bits, so that -0 and 0, or two NaNs, count as different. */
    private static String digest(float[] v) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] bytes = new byte[4];
            for (float f : v) {
                int bits = Float.floatToRawIntBits(f);
                bytes[0] = (byte) bits;
                bytes[1] = (byte) (bits >>> 8);
                bytes[2] = (byte) (bits >>> 16);
                bytes[3] = (byte) (bits >>> 24);
                md.update(bytes);
            }
            return v.length + ":" + HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, String> read(String file) throws IOException {
        try (InputStream s = GoldenBitsTest.class.getResourceAsStream("golden/" + file)) {
            assertTrue(s != null, "golden/" + file + " is missing from the test resources");
            Map<String, String> m = new LinkedHashMap<>();
            for (String line : new String(s.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    int sp = line.indexOf(' ');
                    m.put(line.substring(sp + 1), line.substring(0, sp));
                }
            }
            return m;
        }
    }
}
