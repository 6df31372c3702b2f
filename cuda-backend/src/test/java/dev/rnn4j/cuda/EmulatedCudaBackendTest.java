package dev.rnn4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.BackendUnavailableException;
import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.DeviceOutOfMemoryException;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.kernels.StepForm;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the conformance suite does not look at, against the emulated CUDA driver ({@link EmulatedCuda}): that the
 * backend opened on it (not on a GPU, not on nothing), that BPTT leaves the host waiting a number of times that does
 * not grow with the sequence (no host synchronisation per step), that closing releases every
 * allocation, stream, event and module (the emulator counts what is left when the context goes), device selection,
 * and running out of device memory.
 */
class EmulatedCudaBackendTest {
    @BeforeAll
    static void loadEmulator() {
        EmulatedCuda.load();
    }

    @Test
    void opensOnTheEmulatedDeviceWithCublasThroughJnaAndPinnedTransfers() {
        assertTrue(new CudaBackendProvider().probe().detail().contains("rnn4j emulated CUDA device (CPU)"),
                new CudaBackendProvider().probe().detail());
        try (Backend b = new CudaBackendProvider().open(BackendOptions.defaults())) {
            String d = b.device().description();
            assertTrue(d.contains("cuBLAS 13.0.1") && d.contains("through JNA"), d);
            assertTrue(d.contains("transfers through pinned host memory"), d);
        }
    }

    @ParameterizedTest
    @EnumSource(value = StepForm.class, names = {"UNFUSED", "FUSED", "PERSISTENT"})
    void hostWaitsPerPassDoNotGrowWithTheSequence(StepForm form) {
        RnnSpec spec = RnnSpec.builder(CellType.LSTM).inputSize(6).hiddenSize(12).layers(2).bidirectional(true)
                .build();
        try (Backend b = new CudaBackend(BackendOptions.defaults(), true, form);
             RecurrentLayer layer = RecurrentLayer.create(b, spec, RnnParameters.uniform(spec, 5))) {
            long cooperative = EmulatedCuda.counter(EmulatedCuda.Counter.COOPERATIVE_LAUNCHES);
            long[] shortPass = pass(b, layer, 3);
            long[] longPass = pass(b, layer, 24);
            // The persistent form's sequences run under cooperative launches (a plan fits the emulated device).
            assertEquals(form == StepForm.PERSISTENT,
                    EmulatedCuda.counter(EmulatedCuda.Counter.COOPERATIVE_LAUNCHES) > cooperative);
            assertTrue(longPass[0] > shortPass[0] + 21, "launches grow with the steps: " + shortPass[0] + " for 3, "
                    + longPass[0] + " for 24");
            assertEquals(shortPass[1], longPass[1], "host waits for 3 steps and for 24 steps");
        }
    }

    /**
     * Kernel launches per forward step of inference (one LSTM layer, batch 2): what each step form claims. The
     * unfused form launches the cell per step (its GEMM, in cuBLAS's stand-in, is no kernel here), the tiled GEMM
     * and the cell with the tiled kernel; the fused form one kernel per step; the persistent form one launch per
     * sequence.
     */
    @ParameterizedTest
    @EnumSource(value = StepForm.class, names = {"UNFUSED", "FUSED", "PERSISTENT"})
    void launchesPerForwardStepAreWhatTheStepFormSays(StepForm form) {
        RnnSpec spec = RnnSpec.builder(CellType.LSTM).inputSize(4).hiddenSize(16).build();
        for (boolean useCublas : new boolean[] {true, false}) {
            try (Backend b = new CudaBackend(BackendOptions.defaults(), useCublas, form, false);
                 RecurrentLayer layer = RecurrentLayer.create(b, spec, RnnParameters.uniform(spec, 2))) {
                long perStep = (inferenceLaunches(b, layer, 20) - inferenceLaunches(b, layer, 4)) / 16;
                long expected = switch (form) {
                    case UNFUSED -> useCublas ? 1 : 2;
                    case FUSED -> 1;
                    default -> 0;
                };
                assertEquals(expected, perStep, form + (useCublas ? " with cuBLAS" : " with the tiled GEMM"));
            }
        }
    }

    private static long inferenceLaunches(Backend b, RecurrentLayer layer, int steps) {
        try (DeviceBuffer x = b.allocate(steps * 2L * 4)) {
            b.upload(random(steps * 2 * 4), 0, x, 0, steps * 2 * 4);
            layer.forwardOnDevice(x, steps, 2, null, null, null); // plans the workspace
            b.finish();
            long before = EmulatedCuda.counter(EmulatedCuda.Counter.LAUNCHES);
            layer.forwardOnDevice(x, steps, 2, null, null, null);
            b.finish();
            return EmulatedCuda.counter(EmulatedCuda.Counter.LAUNCHES) - before;
        }
    }

    /** Launches and host waits of a training pass (forward, backward) of {@code steps} steps, batch 2, on device. */
    private static long[] pass(Backend b, RecurrentLayer layer, int steps) {
        int batch = 2;
        int[] lengths = {steps, steps - 1};
        try (DeviceBuffer x = b.allocate((long) steps * batch * 6);
             DeviceBuffer dy = b.allocate((long) steps * batch * 24)) {
            b.upload(random(steps * batch * 6), 0, x, 0, steps * batch * 6);
            b.upload(random(steps * batch * 24), 0, dy, 0, steps * batch * 24);
            // A first pass at this shape plans its workspaces; the second is the one counted.
            for (int round = 0; round < 2; round++) {
                b.finish();
                long launches = EmulatedCuda.counter(EmulatedCuda.Counter.LAUNCHES);
                long waits = EmulatedCuda.counter(EmulatedCuda.Counter.HOST_WAITS);
                layer.forwardTrainingOnDevice(x, steps, batch, lengths, null, null);
                layer.backwardDataOnDevice(dy, null, null);
                layer.backwardWeights(false);
                long waited = EmulatedCuda.counter(EmulatedCuda.Counter.HOST_WAITS) - waits;
                b.finish(); // runs what was queued, so the launches are counted
                if (round == 1) {
                    return new long[] {EmulatedCuda.counter(EmulatedCuda.Counter.LAUNCHES) - launches, waited};
                }
            }
            throw new AssertionError("unreachable");
        }
    }

    @Test
    void closingReleasesEverythingTheBackendMade() {
        long leakedBefore = EmulatedCuda.counter(EmulatedCuda.Counter.LEAKED);
        long liveBefore = EmulatedCuda.counter(EmulatedCuda.Counter.LIVE_ALLOCATIONS);
        RnnSpec spec = RnnSpec.builder(CellType.GRU).inputSize(4).hiddenSize(8).build();
        try (Backend b = new CudaBackend(BackendOptions.defaults(), true, StepForm.PERSISTENT)) {
            RecurrentLayer layer = RecurrentLayer.create(b, spec, RnnParameters.uniform(spec, 1));
            pass(b, layer, 5);
            // The layer is left open: closing the backend must release its buffers too.
            assertTrue(EmulatedCuda.counter(EmulatedCuda.Counter.LIVE_ALLOCATIONS) > liveBefore);
        }
        assertEquals(liveBefore, EmulatedCuda.counter(EmulatedCuda.Counter.LIVE_ALLOCATIONS), "live allocations");
        assertEquals(leakedBefore, EmulatedCuda.counter(EmulatedCuda.Counter.LEAKED),
                "objects left when the context was released (see the emulator's message on stderr)");
    }

    @Test
    void devicesAreChosenByIndexOrNameAndAMissingOneIsNamed() {
        try (Backend b = new CudaBackendProvider().open(BackendOptions.defaults().withDevice("emulated"))) {
            assertTrue(b.device().name().contains("emulated"), b.device().name());
        }
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> new CudaBackendProvider().open(BackendOptions.defaults().withDevice("1")));
        assertTrue(e.getMessage().contains("no CUDA device 1; devices: [cuda:0 rnn4j emulated CUDA device"),
                e.getMessage());
        e = assertThrows(BackendUnavailableException.class,
                () -> new CudaBackendProvider().open(BackendOptions.defaults().withDevice("A100")));
        assertTrue(e.getMessage().contains("no CUDA device named like 'A100'"), e.getMessage());
    }

    @Test
    void optionsSetInCodeTakeEffectAndShowInTheSettings() {
        BackendOptions options = BackendOptions.defaults().withGemm(BackendOptions.Gemm.TILED)
                .withStepForm(BackendOptions.StepForm.UNFUSED).withGraphs(true);
        try (Backend b = new CudaBackendProvider().open(options)) {
            java.util.Map<String, String> s = b.settings();
            assertTrue(s.get("gemm").startsWith("tiled"), s.toString());
            assertEquals("unfused", s.get("stepForm"), s.toString());
            assertEquals("true", s.get("graphs"), s.toString());
        }
        try (Backend b = new CudaBackendProvider().open(BackendOptions.defaults())) {
            java.util.Map<String, String> s = b.settings();
            assertEquals("fused", s.get("stepForm"), s.toString());
            assertEquals("false", s.get("graphs"), s.toString());
        }
    }

    /** Out of device memory (the emulated device has 1 GiB): a clear error, and the backend goes on working. */
    @Test
    void anAllocationBeyondTheDevicesMemoryFailsClearlyAndLosesNothing() {
        try (Backend b = new CudaBackendProvider().open(BackendOptions.defaults());
             DeviceBuffer kept = b.allocate(4)) {
            b.upload(new float[] {1, 2, 3, 4}, 0, kept, 0, 4);
            DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
                    () -> b.allocate(300L << 20));
            assertEquals(1200L << 20, e.requestedBytes());
            assertTrue(e.getMessage().contains("could not allocate 1258291200 bytes (CUDA_ERROR_OUT_OF_MEMORY")
                    && e.getMessage().contains("MiB free of 1024 MiB"), e.getMessage());
            float[] back = new float[4];
            b.download(kept, 0, back, 0, 4);
            assertArrayEquals(new float[] {1, 2, 3, 4}, back);
        }
    }

    /**
     * With CUDA graphs on, a pass that repeats is captured the second time and replayed after, and every pass gives
     * what the same backend without graphs gives, bit for bit: also when the inputs, the lengths or the shape change
     * between passes. Closing destroys the graphs (the emulator counts any left when the context goes).
     */
    @ParameterizedTest
    @EnumSource(value = StepForm.class, names = {"UNFUSED", "FUSED"})
    void repeatedPassesRunAsCudaGraphsWithTheSameResults(StepForm form) {
        RnnSpec spec = RnnSpec.builder(CellType.GRU).inputSize(5).hiddenSize(9).layers(2).bidirectional(true)
                .build();
        RnnParameters weights = RnnParameters.uniform(spec, 11);
        long leakedBefore = EmulatedCuda.counter(EmulatedCuda.Counter.LEAKED);
        try (CudaBackend plain = new CudaBackend(BackendOptions.defaults(), true, form, false);
             CudaBackend graphed = new CudaBackend(BackendOptions.defaults(), true, form, true);
             RecurrentLayer expected = RecurrentLayer.create(plain, spec, weights);
             RecurrentLayer layer = RecurrentLayer.create(graphed, spec, weights)) {
            assertTrue(graphed.device().description().contains("CUDA graphs for repeated launch sequences"),
                    graphed.device().description());
            LaunchGraphs graphs = ((CudaPrimitives) graphed.primitives()).graphs();
            long graphLaunches = EmulatedCuda.counter(EmulatedCuda.Counter.GRAPH_LAUNCHES);
            RnnInput[] inputs = {
                input(7, 3, 1, new int[] {7, 5, 2}), input(7, 3, 1, new int[] {7, 5, 2}),
                input(7, 3, 1, new int[] {7, 5, 2}), input(7, 3, 2, new int[] {7, 5, 2}),
                input(7, 3, 2, new int[] {3, 7, 1}), input(4, 2, 3, new int[] {4, 4}),
                input(7, 3, 2, new int[] {3, 7, 1})};
            for (int i = 0; i < inputs.length; i++) {
                RnnOutput want = expected.forward(inputs[i]);
                RnnOutput got = layer.forward(inputs[i]);
                assertArrayEquals(want.output(), got.output(), "pass " + i);
                assertArrayEquals(want.hN(), got.hN(), "pass " + i);
            }
            assertTrue(graphs.captured() >= 1 && graphs.replayed() >= 1,
                    "captured " + graphs.captured() + ", replayed " + graphs.replayed());
            assertEquals(graphs.captured() + graphs.replayed(),
                    EmulatedCuda.counter(EmulatedCuda.Counter.GRAPH_LAUNCHES) - graphLaunches);
        }
        assertEquals(leakedBefore, EmulatedCuda.counter(EmulatedCuda.Counter.LEAKED), "graphs left at close");
    }

    /**
     * Threads sharing one backend with CUDA graphs on, each with its own copy of a layer, each pass's result checked:
     * a capture takes everything enqueued on the stream from any thread, so nothing else may enqueue while one is
     * on (another thread's upload once landed in a graph, and its lengths arrived as garbage).
     */
    @Test
    void threadsSharingAGraphedBackendGetTheirOwnResults() throws Exception {
        RnnSpec spec = RnnSpec.builder(CellType.LSTM).inputSize(5).hiddenSize(7).build();
        RnnParameters weights = RnnParameters.uniform(spec, 8);
        int threads = 4;
        RnnInput[] inputs = new RnnInput[threads];
        float[][] expected = new float[threads][];
        try (CudaBackend plain = new CudaBackend(BackendOptions.defaults(), true, StepForm.FUSED, false);
             RecurrentLayer reference = RecurrentLayer.create(plain, spec, weights)) {
            for (int t = 0; t < threads; t++) {
                inputs[t] = input(6, 2, t, new int[] {6 - t, 3 + t});
                expected[t] = reference.forward(inputs[t]).output();
            }
        }
        try (CudaBackend graphed = new CudaBackend(BackendOptions.defaults(), true, StepForm.FUSED, true);
             RecurrentLayer layer = RecurrentLayer.create(graphed, spec, weights)) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
            try {
                java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int mine = t;
                    done.add(pool.submit(() -> {
                        try (RecurrentLayer copy = layer.copy()) {
                            for (int k = 0; k < 40; k++) {
                                assertArrayEquals(expected[mine], copy.forward(inputs[mine]).output(),
                                        "thread " + mine + ", pass " + k);
                            }
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            LaunchGraphs graphs = ((CudaPrimitives) graphed.primitives()).graphs();
            assertTrue(graphs.replayed() > 0, "replayed " + graphs.replayed());
        }
    }

    /** A driver that cannot capture: graphs turn themselves off, say why, and every pass still gives the same. */
    @Test
    void whereCaptureFailsGraphsTurnOffAndResultsStayRight() {
        RnnSpec spec = RnnSpec.builder(CellType.LSTM).inputSize(5).hiddenSize(6).build();
        RnnParameters weights = RnnParameters.uniform(spec, 3);
        EmulatedCuda.refuseCaptures(true);
        try (CudaBackend plain = new CudaBackend(BackendOptions.defaults(), true, StepForm.FUSED, false);
             CudaBackend graphed = new CudaBackend(BackendOptions.defaults(), true, StepForm.FUSED, true);
             RecurrentLayer expected = RecurrentLayer.create(plain, spec, weights);
             RecurrentLayer layer = RecurrentLayer.create(graphed, spec, weights)) {
            for (int i = 0; i < 4; i++) {
                RnnInput in = input(6, 2, i / 2, new int[] {6, 4});
                assertArrayEquals(expected.forward(in).output(), layer.forward(in).output(), "pass " + i);
            }
            LaunchGraphs graphs = ((CudaPrimitives) graphed.primitives()).graphs();
            assertEquals(0, graphs.captured() + graphs.replayed());
            String d = graphed.device().description();
            assertTrue(d.contains("CUDA graphs turned off after a failed capture (CUDA_ERROR_NOT_SUPPORTED)"), d);
        } finally {
            EmulatedCuda.refuseCaptures(false);
        }
    }

    private static RnnInput input(int steps, int batch, long seed, int[] lengths) {
        Random r = new Random(seed);
        float[] x = new float[steps * batch * 5];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return RnnInput.sequenceMajor(x, steps, batch).withLengths(lengths);
    }

    private static float[] random(int n) {
        Random r = new Random(n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}
