package dev.rnn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.InputGradients;
import dev.rnn4j.LayerGradients;
import dev.rnn4j.LayerOptions;
import dev.rnn4j.Layout;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.Parameter;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.WeightPrecision;
import dev.rnn4j.internal.reference.ReferenceRnn;
import dev.rnn4j.spi.Availability;
import dev.rnn4j.spi.BackendProvider;
import dev.rnn4j.spi.MatrixRef;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conformance suite. A backend module runs it by extending this class and naming its provider:
 *
 * <pre>{@code
 * class CpuConformanceTest extends BackendConformanceSuite {
 *     @Override protected BackendProvider provider() { return new CpuBackendProvider(); }
 * }
 * }</pre>
 *
 * Every case compares forward outputs, final states and every gradient (input, h0, c0, each weight and bias) with
 * the double-precision oracle, within {@link #tolerance()}; the PyTorch fixtures do the same against PyTorch's
 * numbers. When the provider's probe fails, the whole class is skipped with the probe's reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformanceSuite {
    private Backend backend;
    private Availability availability;

    /** The provider under test. */
    protected abstract BackendProvider provider();

    /**
     * {@code real} with its backends opened by {@code open} instead: the same name, priority and probe (so the suite
     * still skips with the probe's reason), a backend configured otherwise (another GEMM, another step form).
     */
    protected static BackendProvider opening(BackendProvider real, Function<BackendOptions, Backend> open) {
        return new BackendProvider() {
            @Override
            public String name() {
                return real.name();
            }

            @Override
            public int priority() {
                return real.priority();
            }

            @Override
            public Availability probe() {
                return real.probe();
            }

            @Override
            public Backend open(BackendOptions options) {
                return open.apply(options);
            }
        };
    }

    /** The tolerance against the oracle; override only with a documented reason. */
    protected Tolerance tolerance() {
        return Tolerance.FP32;
    }

    /** The opened backend (for subclasses adding backend-specific tests). */
    protected Backend backend() {
        return backend;
    }

    @BeforeAll
    void openBackend() {
        availability = provider().probe();
        if (availability.available()) {
            backend = provider().open(BackendOptions.defaults());
        }
    }

    /** Per test rather than per class, so every skipped test is counted and carries the probe's reason. */
    @BeforeEach
    void requireBackend() {
        assumeTrue(backend != null, () -> "backend '" + provider().name() + "' skipped: " + availability);
    }

    @AfterAll
    void closeBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    /**
     * The indexed row copies serving streams use, gather and scatter, between a table and a block whose row strides
     * exceed the rows' width and at offsets: exact copies, and a scatter touches only the rows it names.
     */
    @Test
    void copyRowsGathersAndScattersExactly() {
        int tableRows = 37;
        int width = 19;
        int ld = 23;
        int offset = 5;
        int[] indices = {30, 2, 17, 0, 36, 9, 11};
        int rows = indices.length;
        Random r = new Random(3);
        float[] table = random(r, offset + tableRows * ld);
        float[] block = random(r, offset + rows * ld);
        try (DeviceBuffer index = backend.allocateInts(rows);
             DeviceBuffer t = backend.allocate(table.length);
             DeviceBuffer b = backend.allocate(block.length)) {
            backend.uploadInts(indices, 0, index, 0, rows);
            backend.upload(table, 0, t, 0, table.length);
            backend.upload(block, 0, b, 0, block.length);
            backend.primitives().copyRows(index, rows, width, new MatrixRef(t, offset, ld),
                    new MatrixRef(b, offset, ld), false);
            float[] gathered = new float[block.length];
            backend.download(b, 0, gathered, 0, block.length);
            float[] expectGathered = block.clone();
            for (int i = 0; i < rows; i++) {
                System.arraycopy(table, offset + indices[i] * ld, expectGathered, offset + i * ld, width);
            }
            assertArrayEquals(expectGathered, gathered, "gather");

            float[] fresh = random(r, block.length);
            backend.upload(fresh, 0, b, 0, fresh.length);
            backend.primitives().copyRows(index, rows, width, new MatrixRef(b, offset, ld),
                    new MatrixRef(t, offset, ld), true);
            float[] scattered = new float[table.length];
            backend.download(t, 0, scattered, 0, table.length);
            float[] expectScattered = table.clone();
            for (int i = 0; i < rows; i++) {
                System.arraycopy(fresh, offset + i * ld, expectScattered, offset + indices[i] * ld, width);
            }
            assertArrayEquals(expectScattered, scattered, "scatter");
        }
    }

    /** The training primitives (losses, embeddings, dropout, optimizers) against the reference backend's. */
    @Test
    void trainingPrimitivesMatchTheReference() {
        TrainingPrimitivesChecks checks = new TrainingPrimitivesChecks(backend, tolerance());
        checks.softmaxCrossEntropy();
        checks.squaredError();
        checks.embeddings();
        checks.dropoutAndElementwise();
        checks.optimizers();
    }

    /**
     * A whole model trains on this backend: a token LSTM language model on a repeating text and a bidirectional GRU
     * classifier on sequence parity each bring their loss far down with Adam.
     */
    @Test
    void modelsTrainOnThisBackend() {
        TrainingConvergence.languageModel(backend);
        TrainingConvergence.parityClassifier(backend);
    }

    static List<ConformanceCase> cases() {
        return ConformanceCases.all();
    }

    /** Seeded random problem data for one case: everything float, so the oracle sees exactly the same values. */
    static final class Problem {
        final ConformanceCase c;
        final RnnParameters weights;
        final float[] x;
        final float[] h0;
        final float[] c0;
        final float[] dy;
        final float[] dhN;
        final float[] dcN;

        Problem(ConformanceCase c, long seed) {
            this.c = c;
            RnnSpec s = c.spec();
            weights = RnnParameters.uniform(s, seed);
            Random r = new Random(seed * 31 + 7);
            int states = s.hiddenStateFloats(c.batch());
            int cells = s.cellStateFloats(c.batch());
            x = random(r, c.steps() * c.batch() * s.inputSize());
            h0 = c.initialState() ? random(r, states) : null;
            c0 = c.initialState() && s.cell().hasCellState() ? random(r, cells) : null;
            dy = random(r, c.steps() * c.batch() * s.outputSize());
            dhN = random(r, states);
            dcN = s.cell().hasCellState() ? random(r, cells) : null;
        }

        RnnInput input() {
            RnnInput in = c.layout() == Layout.SEQUENCE_MAJOR ? RnnInput.sequenceMajor(x, c.steps(), c.batch())
                    : RnnInput.batchMajor(x, c.batch(), c.steps());
            return in.withLengths(c.lengths()).withInitialState(h0, c0);
        }

        float[] seqMajor(float[] v, int features) {
            return c.layout().toSequenceMajor(v, c.steps(), c.batch(), features);
        }
    }

    static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardAndEveryGradientMatchTheOracle(ConformanceCase c) {
        Problem p = new Problem(c, 17);
        RnnSpec s = c.spec();
        ReferenceRnn oracle = ReferenceRnn.of(p.weights);
        ReferenceRnn.Result expected = oracle.forward(ReferenceRnn.widen(p.seqMajor(p.x, s.inputSize())),
                c.steps(), c.batch(), c.lengths(), ReferenceRnn.widen(p.h0), ReferenceRnn.widen(p.c0));
        ReferenceRnn.Gradients expectedGrads = oracle.backward(expected,
                ReferenceRnn.widen(p.seqMajor(p.dy, s.outputSize())), ReferenceRnn.widen(p.dhN),
                ReferenceRnn.widen(p.dcN));

        List<String> failures = new ArrayList<>();
        int longestSum = Math.max(Math.max(s.inputSize(), s.outputSize()), s.gateRows()) * c.steps();
        Tolerance fwd = tolerance().forReduction(longestSum);
        Tolerance bwd = tolerance().forReduction(Math.max(longestSum, c.steps() * c.batch())).forGradients();
        try (RecurrentLayer layer = RecurrentLayer.create(backend, s, p.weights)) {
            RnnOutput out = layer.forwardTraining(p.input());
            add(failures, fwd.compare("output", expected.output(), p.seqMajor(out.output(), s.outputSize())));
            add(failures, fwd.compare("h_n", expected.hN(), out.hN()));
            add(failures, fwd.compare("c_n", expected.cN(), out.cN()));

            LayerGradients g = layer.backward(new OutputGradients(p.dy, p.dhN, p.dcN));
            InputGradients in = g.inputs();
            add(failures, bwd.compare("grad_input", expectedGrads.input(), p.seqMajor(in.gradInput(), s.inputSize())));
            add(failures, bwd.compare("grad_h0", expectedGrads.h0(), in.gradH0()));
            add(failures, bwd.compare("grad_c0", expectedGrads.c0(), in.gradC0()));
            List<Parameter> params = p.weights.parameters();
            for (int i = 0; i < params.size(); i++) {
                String name = params.get(i).name();
                add(failures, bwd.compare("grad." + name, expectedGrads.parameters()[i], g.weights().get(name)));
            }
        }
        assertTrue(failures.isEmpty(), c + " on " + backend.name() + ": " + failures);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void inferenceEqualsTrainingForward(ConformanceCase c) {
        Problem p = new Problem(c, 23);
        try (RecurrentLayer layer = RecurrentLayer.create(backend, c.spec(), p.weights)) {
            RnnOutput training = layer.forwardTraining(p.input());
            RnnOutput inference = layer.forward(p.input());
            Tolerance t = tolerance();
            List<String> failures = new ArrayList<>();
            add(failures, t.compare("output", widen(training.output()), inference.output()));
            add(failures, t.compare("h_n", widen(training.hN()), inference.hN()));
            add(failures, t.compare("c_n", widen(training.cN()), inference.cN()));
            assertTrue(failures.isEmpty(), c + ": " + failures);
        }
    }

    static List<Arguments> reducedPrecisionCases() {
        List<Arguments> out = new ArrayList<>();
        for (ConformanceCase c : ConformanceCases.reducedPrecision()) {
            out.add(Arguments.of(c, WeightPrecision.BFLOAT16));
            out.add(Arguments.of(c, WeightPrecision.INT8));
        }
        return out;
    }

    /**
     * A layer holding bfloat16 or int8 weights computes as the oracle does on the rounded weights, and reports those
     * as its weights; training it is refused.
     */
    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("reducedPrecisionCases")
    void reducedPrecisionWeightsMatchTheOracleOnTheirRoundedValues(ConformanceCase c, WeightPrecision precision) {
        Problem p = new Problem(c, 29);
        RnnSpec s = c.spec();
        RnnParameters rounded = p.weights.roundedTo(precision);
        ReferenceRnn.Result expected = ReferenceRnn.of(rounded).forward(ReferenceRnn.widen(p.seqMajor(p.x,
                s.inputSize())), c.steps(), c.batch(), c.lengths(), ReferenceRnn.widen(p.h0), ReferenceRnn.widen(p.c0));
        int longestSum = Math.max(Math.max(s.inputSize(), s.outputSize()), s.gateRows()) * c.steps();
        Tolerance fwd = tolerance().forReduction(longestSum);
        try (RecurrentLayer layer = RecurrentLayer.create(backend, s, p.weights,
                LayerOptions.defaults().withWeightPrecision(precision))) {
            RnnParameters held = layer.weights();
            for (Parameter prm : held.parameters()) {
                assertArrayEquals(rounded.get(prm.name()), held.get(prm.name()), prm.name());
            }
            RnnOutput out = layer.forward(p.input());
            List<String> failures = new ArrayList<>();
            add(failures, fwd.compare("output", expected.output(), p.seqMajor(out.output(), s.outputSize())));
            add(failures, fwd.compare("h_n", expected.hN(), out.hN()));
            add(failures, fwd.compare("c_n", expected.cN(), out.cN()));
            assertTrue(failures.isEmpty(), precision + " " + c + " on " + backend.name() + ": " + failures);
            assertThrows(IllegalStateException.class, () -> layer.forwardTraining(p.input()));
        }
    }

    @Test
    void gradientsAccumulateOverMicroBatches() {
        ConformanceCase c = ConformanceCases.all().get(3);
        Problem a = new Problem(c, 5);
        Problem b = new Problem(c, 6);
        try (RecurrentLayer layer = RecurrentLayer.create(backend, c.spec(), a.weights)) {
            RnnParameters ga = gradientsOf(layer, a, false);
            RnnParameters gb = gradientsOf(layer, b, false);
            layer.forwardTraining(a.input());
            layer.backwardData(new OutputGradients(a.dy, a.dhN, a.dcN));
            layer.backwardWeights(false);
            layer.forwardTraining(b.input());
            layer.backwardData(new OutputGradients(b.dy, b.dhN, b.dcN));
            layer.backwardWeights(true);
            RnnParameters sum = layer.gradients();
            for (Parameter prm : sum.parameters()) {
                float[] expected = ga.get(prm.name()).clone();
                float[] other = gb.get(prm.name());
                for (int i = 0; i < expected.length; i++) {
                    expected[i] += other[i];
                }
                String m = tolerance().compare(prm.name(), widen(expected), sum.get(prm.name()));
                assertEquals(null, m);
            }
        }
    }

    private static RnnParameters gradientsOf(RecurrentLayer layer, Problem p, boolean accumulate) {
        layer.forwardTraining(p.input());
        layer.backwardData(new OutputGradients(p.dy, p.dhN, p.dcN));
        layer.backwardWeights(accumulate);
        return layer.gradients();
    }

    @Test
    void workspacesServeLargerThenSmallerShapes() {
        RnnSpec s = new RnnSpec(CellType.LSTM, 3, 4, 2, true, true);
        int[][] shapes = {{2, 2}, {6, 5}, {3, 1}, {6, 5}, {1, 7}};
        try (RecurrentLayer layer = RecurrentLayer.create(backend, s, RnnParameters.uniform(s, 3))) {
            for (int[] shape : shapes) {
                ConformanceCase c = new ConformanceCase("shape " + shape[0] + "x" + shape[1], s, shape[0], shape[1],
                        null, true, Layout.SEQUENCE_MAJOR);
                Problem p = new Problem(c, shape[0] * 10L + shape[1]);
                layer.setWeights(p.weights);
                ReferenceRnn.Result expected = ReferenceRnn.of(p.weights).forward(ReferenceRnn.widen(p.x), shape[0],
                        shape[1], null, ReferenceRnn.widen(p.h0), ReferenceRnn.widen(p.c0));
                RnnOutput out = layer.forward(p.input());
                assertEquals(null, tolerance().forReduction(64).compare(c.name(), expected.output(), out.output()));
            }
        }
    }

    /**
     * Inference between buffers the caller owns gives the array path's bits, from heap buffers, direct buffers in the
     * machine's byte order (copied straight by the device backends) and direct buffers in the other order, each read
     * and written from a position that does not move; and a buffer too small or read-only is refused by name.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("bufferKinds")
    void buffersGiveTheArrayPathsBits(String kind) {
        RnnSpec s = new RnnSpec(CellType.LSTM, 3, 4, 2, true, true);
        int steps = 5;
        int batch = 3;
        int[] lengths = {5, 2, 4};
        RnnParameters weights = RnnParameters.uniform(s, 12);
        float[] x = new float[steps * batch * s.inputSize()];
        Random r = new Random(13);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat() * 2 - 1;
        }
        try (RecurrentLayer layer = RecurrentLayer.create(backend, s, weights)) {
            RnnOutput expected = layer.forward(RnnInput.sequenceMajor(x, steps, batch).withLengths(lengths));
            int lead = 7; // the buffers are read and written from a position past their start
            FloatBuffer in = buffer(kind, lead + x.length);
            in.position(lead);
            in.put(lead, x);
            FloatBuffer out = buffer(kind, lead + expected.output().length);
            out.position(lead);
            FloatBuffer h = buffer(kind, expected.hN().length);
            FloatBuffer c = buffer(kind, expected.cN().length);
            layer.forward(in, steps, batch, lengths, out, h, c);
            assertEquals(lead, in.position(), "the input's position does not move");
            assertEquals(lead, out.position(), "the output's position does not move");
            float[] got = new float[expected.output().length];
            out.get(lead, got);
            assertArrayEquals(expected.output(), got, kind + " output");
            float[] hN = new float[expected.hN().length];
            h.get(0, hN);
            assertArrayEquals(expected.hN(), hN, kind + " hN");
            float[] cN = new float[expected.cN().length];
            c.get(0, cN);
            assertArrayEquals(expected.cN(), cN, kind + " cN");

            IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> layer.forward(
                    buffer(kind, x.length - 1), steps, batch, null, buffer(kind, expected.output().length), null,
                    null));
            assertTrue(small.getMessage().contains("x [T, B, I] has " + (x.length - 1) + " values remaining"),
                    small.getMessage());
            IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class, () -> layer.forward(
                    FloatBuffer.wrap(x), steps, batch, null, buffer(kind, expected.output().length).asReadOnlyBuffer(),
                    null, null));
            assertTrue(readOnly.getMessage().contains("read-only"), readOnly.getMessage());
        }
    }

    static List<String> bufferKinds() {
        return List.of("heap", "direct native order", "direct other order");
    }

    private static FloatBuffer buffer(String kind, int n) {
        return switch (kind) {
            case "heap" -> FloatBuffer.allocate(n);
            case "direct native order" -> ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            default -> ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN
                    ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN).asFloatBuffer();
        };
    }

    @Test
    void concurrentInferenceOnCopiesMatchesSingleThreaded() throws Exception {
        ConformanceCase c = ConformanceCases.all().get(3);
        Problem p = new Problem(c, 9);
        int threads = 4;
        try (RecurrentLayer layer = RecurrentLayer.create(backend, c.spec(), p.weights)) {
            RnnOutput single = layer.forward(p.input());
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<RnnOutput>> results = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    results.add(pool.submit(() -> {
                        try (RecurrentLayer mine = layer.copy()) {
                            RnnOutput last = null;
                            for (int k = 0; k < 5; k++) {
                                last = mine.forward(p.input());
                            }
                            return last;
                        }
                    }));
                }
                for (Future<RnnOutput> f : results) {
                    RnnOutput o = f.get();
                    assertEquals(null, Tolerance.FP32.compare("output", widen(single.output()), o.output()));
                    assertEquals(null, Tolerance.FP32.compare("h_n", widen(single.hN()), o.hN()));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.rnn4j.conformance.Fixture#names")
    void matchesPyTorch(String fixture) throws Exception {
        Fixture f = Fixture.load(fixture);
        RnnSpec s = f.model().spec();
        Tolerance fwd = tolerance().forReduction(64);
        Tolerance bwd = fwd.forGradients();
        List<String> failures = new ArrayList<>();
        try (RecurrentLayer layer = RecurrentLayer.create(backend, s, f.model().weights())) {
            RnnOutput out = layer.forwardTraining(f.input());
            add(failures, fwd.compare("output", f.expected("output"), out.output()));
            add(failures, fwd.compare("h_n", f.expected("h_n"), out.hN()));
            if (s.cell().hasCellState()) {
                add(failures, fwd.compare("c_n", f.expected("c_n"), out.cN()));
            }
            LayerGradients g = layer.backward(f.upstream());
            add(failures, bwd.compare("grad_input", f.expected("grad_input"), g.inputs().gradInput()));
            add(failures, bwd.compare("grad_h0", f.expected("grad_h0"), g.inputs().gradH0()));
            if (s.cell().hasCellState()) {
                add(failures, bwd.compare("grad_c0", f.expected("grad_c0"), g.inputs().gradC0()));
            }
            for (Parameter prm : g.weights().parameters()) {
                add(failures, bwd.compare("grad." + prm.name(), f.expected("grad." + prm.name()),
                        g.weights().get(prm.name())));
            }
        }
        assertTrue(failures.isEmpty(), fixture + " on " + backend.name() + ": " + failures);
    }

    /**
     * Forward against ONNX's own operator reference numerics (ONNX 1.12's Python helpers, weights converted from
     * ONNX's gate orders and peephole order), in inference and in a training forward.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.rnn4j.conformance.Fixture#onnxNames")
    void matchesOnnxOperatorReference(String fixture) throws Exception {
        Fixture f = Fixture.load("onnx", fixture);
        Tolerance fwd = tolerance().forReduction(64);
        List<String> failures = new ArrayList<>();
        try (RecurrentLayer layer = RecurrentLayer.create(backend, f.model().spec(), f.model().weights())) {
            for (RnnOutput out : new RnnOutput[] {layer.forward(f.input()), layer.forwardTraining(f.input())}) {
                add(failures, fwd.compare("Y", f.expected("output"), out.output()));
                add(failures, fwd.compare("Y_h", f.expected("h_n"), out.hN()));
            }
        }
        assertTrue(failures.isEmpty(), fixture + " on " + backend.name() + ": " + failures);
    }

    static double[] widen(float[] v) {
        return ReferenceRnn.widen(v);
    }

    private static void add(List<String> failures, String m) {
        if (m != null) {
            failures.add(m);
        }
    }
}
