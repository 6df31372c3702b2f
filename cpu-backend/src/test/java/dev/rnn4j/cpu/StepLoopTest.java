package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.DeviceInfo;
import dev.rnn4j.LayerGradients;
import dev.rnn4j.LayerOptions;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.WeightPrecision;
import dev.rnn4j.internal.host.HostBackend;
import dev.rnn4j.internal.host.HostTrainingPrimitives;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The step loop (a layer direction's forward steps as one task, each thread owning a slice of the hidden units):
 * it is taken where it should be, gives the step-by-step plan's bits (outputs, final states, and the gradients of
 * a backward pass over what its training forward kept), reads compact weights as the row kernels do, and a failure
 * in one of its threads reaches the caller without leaving the others waiting.
 */
class StepLoopTest {
    private static final int STEPS = 7;

    /** Backends whose loops take every sequence, on 2 and 3 threads, and one on 2 threads that never loops. */
    private static Backend looping(int threads) {
        return new CpuBackendProvider(threads, 0).open(BackendOptions.defaults());
    }

    private static Backend stepping() {
        return new CpuBackendProvider(2, Long.MAX_VALUE).open(BackendOptions.defaults());
    }

    private static long loops(Backend b) {
        return ((CpuPrimitives) b.primitives()).loopedSequences();
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static List<RnnSpec> specs() {
        return List.of(
                new RnnSpec(CellType.LSTM, 48, 256, 1, false, true),
                new RnnSpec(CellType.GRU, 40, 70, 1, false, true),
                new RnnSpec(CellType.RNN_RELU, 33, 100, 2, false, false),
                new RnnSpec(CellType.RNN_TANH, 20, 12, 1, false, true),
                new RnnSpec(CellType.LSTM, 24, 37, 2, true, true),
                RnnSpec.builder(CellType.LSTM).inputSize(16).hiddenSize(48).peepholes(true).clip(1.5f)
                        .cellClip(2f).build());
    }

    /** The loop is the vector kernels'; the scalar twins (no hardware FMA, say) step. */
    private static void assumeVectorKernels() {
        assumeTrue(CpuBackendProvider.kernelChoice().vector(), "the step loop runs on the vector kernels");
    }

    @Test
    void theLoopIsTakenForLargeStepsOnlyByDefault() {
        assumeVectorKernels();
        RnnSpec small = new RnnSpec(CellType.LSTM, 16, 16, 1, false, true);
        RnnSpec large = new RnnSpec(CellType.LSTM, 256, 256, 1, false, true);
        try (Backend cpu = new CpuBackendProvider(false, 2).open(BackendOptions.defaults());
             RecurrentLayer s = RecurrentLayer.create(cpu, small, RnnParameters.uniform(small, 1));
             RecurrentLayer l = RecurrentLayer.create(cpu, large, RnnParameters.uniform(large, 1))) {
            s.forward(RnnInput.batchMajor(new float[4 * STEPS * 16], 4, STEPS));
            assertEquals(0, loops(cpu), "a 4 × 64 × 16 step is not worth two threads");
            l.forward(RnnInput.batchMajor(new float[STEPS * 256], 1, STEPS));
            assertEquals(1, loops(cpu), "a 1 × 1024 × 256 step is");
        }
        try (Backend one = new CpuBackendProvider(false, 1).open(BackendOptions.defaults())) {
            assertFalse(one.primitives().plan(dev.rnn4j.spi.StepConfig.of(large, 0), 1).isPresent(),
                    "one thread has nothing to loop over");
        }
    }

    /**
     * Bits need exact activations: with the intrinsic ones a cell's bits can change once the JIT compiles it, so two
     * layers' first calls may differ whatever path they take (see the package notes). Runs in the exact-activations
     * execution.
     */
    @Test
    void theLoopGivesTheStepByStepBitsForwardAndBackward() {
        assumeTrue(VectorCells.EXACT, "needs -Drnn4j.cpu.activations=exact (the exact-activations execution)");
        try (Backend stepped = stepping(); Backend two = looping(2); Backend three = looping(3)) {
            for (RnnSpec spec : specs()) {
                for (int batch : new int[] {1, 3, 4, 5, 17}) {
                    Run want = run(stepped, spec, batch, LayerOptions.defaults());
                    for (Backend looping : List.of(two, three)) {
                        long before = loops(looping);
                        Run got = run(looping, spec, batch, LayerOptions.defaults());
                        assertTrue(loops(looping) > before, "the loop ran for " + spec);
                        want.assertSameBits(got, spec + " batch " + batch + " on " + looping.device().description());
                    }
                }
            }
            assertEquals(0, loops(stepped));
        }
    }

    /** Without exact activations the results still agree to rounding: the default execution's check. */
    @Test
    void theLoopAgreesWithTheStepByStepPlan() {
        assumeVectorKernels();
        try (Backend stepped = stepping(); Backend looping = looping(2)) {
            for (RnnSpec spec : specs()) {
                Run want = run(stepped, spec, 3, LayerOptions.defaults());
                Run got = run(looping, spec, 3, LayerOptions.defaults());
                want.assertClose(got, 2e-5f, spec.toString());
            }
            assertTrue(loops(looping) > 0);
        }
    }

    @Test
    void compactWeightsGoThroughTheLoopWithTheRowKernelsBits() {
        assumeTrue(VectorCells.EXACT, "needs -Drnn4j.cpu.activations=exact (the exact-activations execution)");
        RnnSpec spec = new RnnSpec(CellType.LSTM, 40, 96, 1, false, true);
        for (WeightPrecision precision : new WeightPrecision[] {WeightPrecision.BFLOAT16, WeightPrecision.INT8}) {
            LayerOptions options = LayerOptions.defaults().withWeightPrecision(precision);
            try (Backend stepped = stepping(); Backend looping = looping(2)) {
                for (int batch : new int[] {1, 2, 4}) {
                    Random r = new Random(batch);
                    float[] x = random(r, batch * STEPS * spec.inputSize());
                    RnnParameters w = RnnParameters.uniform(spec, 3);
                    try (RecurrentLayer a = RecurrentLayer.create(stepped, spec, w, options);
                         RecurrentLayer b = RecurrentLayer.create(looping, spec, w, options)) {
                        RnnOutput want = a.forward(RnnInput.batchMajor(x, batch, STEPS));
                        RnnOutput got = b.forward(RnnInput.batchMajor(x, batch, STEPS));
                        assertArrayEquals(want.output(), got.output(), precision + " batch " + batch);
                        assertArrayEquals(want.hN(), got.hN(), precision + " batch " + batch);
                    }
                }
                assertTrue(loops(looping) > 0);
            }
        }
    }

    /**
     * A failure in one thread's part of a step reaches the caller; the other threads stop waiting for it, so the
     * call returns instead of hanging, and the backend's next call runs normally.
     */
    @Test
    void aFailingPartReachesTheCallerAndLeavesTheBackendUsable() {
        WorkerPool pool = new WorkerPool(2);
        WorkerPool inline = new WorkerPool(1);
        FailingCells cells = new FailingCells(VectorKernels.cells());
        StepLoop loop = VectorKernels.stepLoop(pool, inline, cells, 0);
        CpuPrimitives ops = new CpuPrimitives(pool, VectorKernels.gemm(pool),
                new Gemm[] {VectorKernels.gemm(inline), VectorKernels.gemm(inline)}, cells, loop);
        RnnSpec spec = new RnnSpec(CellType.GRU, 8, 64, 1, false, true);
        float[] x = random(new Random(4), 2 * STEPS * 8);
        try (Backend cpu = new HostBackend("cpu", () -> new DeviceInfo("test CPU", 0, 2, "failing cells"), ops,
                new HostTrainingPrimitives(), CpuBuffer::new);
             Backend reference = stepping();
             RecurrentLayer layer = RecurrentLayer.create(cpu, spec, RnnParameters.uniform(spec, 5));
             RecurrentLayer check = RecurrentLayer.create(reference, spec, RnnParameters.uniform(spec, 5))) {
            cells.failAtStep = 3;
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> layer.forward(RnnInput.batchMajor(x, 2, STEPS)));
            assertEquals("injected failure at step 3", e.getMessage());
            cells.failAtStep = -1;
            RnnOutput again = layer.forward(RnnInput.batchMajor(x, 2, STEPS));
            RnnOutput want = check.forward(RnnInput.batchMajor(x, 2, STEPS));
            assertArrayEquals(want.output(), again.output(), 2e-5f);
            assertEquals(1, ops.loopedSequences(), "the failed sequence is not counted, the second is");
        }
    }

    /** A forward, a training forward and its backward of one layer on one backend. */
    private record Run(RnnOutput inference, RnnOutput training, LayerGradients gradients) {
        void assertSameBits(Run o, String what) {
            assertArrayEquals(inference.output(), o.inference.output(), "outputs of " + what);
            assertArrayEquals(inference.hN(), o.inference.hN(), "h_n of " + what);
            if (inference.cN() != null) {
                assertArrayEquals(inference.cN(), o.inference.cN(), "c_n of " + what);
            }
            assertArrayEquals(training.output(), o.training.output(), "training outputs of " + what);
            assertArrayEquals(gradients.inputs().gradInput(), o.gradients.inputs().gradInput(), "dx of " + what);
            assertArrayEquals(gradients.inputs().gradH0(), o.gradients.inputs().gradH0(), "dh0 of " + what);
            for (var p : gradients.weights().parameters()) {
                assertArrayEquals(gradients.weights().get(p.name()), o.gradients.weights().get(p.name()),
                        "d" + p.name() + " of " + what);
            }
        }

        void assertClose(Run o, float tolerance, String what) {
            assertArrayEquals(inference.output(), o.inference.output(), tolerance, "outputs of " + what);
            assertArrayEquals(inference.hN(), o.inference.hN(), tolerance, "h_n of " + what);
            assertArrayEquals(training.output(), o.training.output(), tolerance, "training outputs of " + what);
            assertArrayEquals(gradients.inputs().gradInput(), o.gradients.inputs().gradInput(), tolerance,
                    "dx of " + what);
        }
    }

    private static Run run(Backend backend, RnnSpec spec, int batch, LayerOptions options) {
        Random r = new Random(31L * batch + spec.hiddenSize());
        RnnParameters w = RnnParameters.uniform(spec, 9);
        float[] x = random(r, batch * STEPS * spec.inputSize());
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = b == 0 ? STEPS : 1 + r.nextInt(STEPS);
        }
        float[] h0 = random(r, spec.hiddenStateFloats(batch));
        float[] c0 = spec.cell().hasCellState() ? random(r, spec.cellStateFloats(batch)) : null;
        float[] dy = random(r, batch * STEPS * spec.outputSize());
        RnnInput input = RnnInput.batchMajor(x, batch, STEPS).withLengths(lengths).withInitialState(h0, c0);
        try (RecurrentLayer layer = RecurrentLayer.create(backend, spec, w, options)) {
            RnnOutput inference = layer.forward(input);
            RnnOutput training = layer.forwardTraining(input);
            LayerGradients g = layer.backward(new OutputGradients(dy, null, null));
            return new Run(inference, training, g);
        }
    }

    /** The vector cells, failing in the part that owns hidden unit 0's neighbours past the first block. */
    private static final class FailingCells implements CellKernels {
        private final CellKernels cells;
        volatile int failAtStep = -1;

        FailingCells(CellKernels cells) {
            this.cells = cells;
        }

        @Override
        public void forward(CellArrays x, int b0, int b1, int j0, int j1) {
            if (x.step == failAtStep && j0 > 0) {
                throw new IllegalStateException("injected failure at step " + x.step);
            }
            cells.forward(x, b0, b1, j0, j1);
        }

        @Override
        public void backward(CellArrays x, int b0, int b1, int j0, int j1) {
            cells.backward(x, b0, b1, j0, j1);
        }

        @Override
        public void gruResetForward(CellArrays x, int b0, int b1, int j0, int j1) {
            cells.gruResetForward(x, b0, b1, j0, j1);
        }

        @Override
        public void gruResetBackward(CellArrays x, int b0, int b1, int j0, int j1) {
            cells.gruResetBackward(x, b0, b1, j0, j1);
        }
    }
}
