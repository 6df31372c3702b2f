package dev.rnn4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.DeviceFailureException;
import dev.rnn4j.DeviceOutOfMemoryException;
import dev.rnn4j.LayerGradients;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.Parameter;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults injected through the emulated CUDA driver at every point of a training pass (forward, backward): the n-th
 * device allocation failing as out of memory, the n-th kernel launch failing. Each fault surfaces as an exception
 * naming it, never a crash; afterwards the same backend computes a full pass again, bit for bit what a pass with no
 * fault computes, and closing it leaves no allocation behind.
 */
class EmulatedCudaFaultTest {
    static final RnnSpec SPEC = RnnSpec.builder(CellType.LSTM).inputSize(5).hiddenSize(7).layers(2)
            .bidirectional(true).build();
    static final RnnParameters WEIGHTS = RnnParameters.uniform(SPEC, 3);
    static final int STEPS = 4;
    static final int BATCH = 3;

    @BeforeAll
    static void loadEmulator() {
        EmulatedCuda.load();
    }

    @AfterEach
    void disarm() {
        EmulatedCuda.inject(EmulatedCuda.Fault.ALLOCATION, 0);
        EmulatedCuda.inject(EmulatedCuda.Fault.LAUNCH, 0);
    }

    /** Every output and gradient of one training pass on a fresh layer, flattened in a fixed order. */
    static List<float[]> pass(Backend b) {
        float[] x = new float[STEPS * BATCH * SPEC.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 7) * 0.1f - 0.3f;
        }
        float[] dy = new float[STEPS * BATCH * SPEC.outputSize()];
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (i % 5) * 0.05f - 0.1f;
        }
        try (RecurrentLayer layer = RecurrentLayer.create(b, SPEC, WEIGHTS)) {
            RnnOutput o = layer.forwardTraining(RnnInput.sequenceMajor(x, STEPS, BATCH)
                    .withLengths(new int[] {4, 2, 3}));
            LayerGradients g = layer.backward(new OutputGradients(dy, null, null));
            List<float[]> all = new ArrayList<>(List.of(o.output(), o.hN(), o.cN(), g.inputs().gradInput(),
                    g.inputs().gradH0(), g.inputs().gradC0()));
            for (Parameter p : g.weights().parameters()) {
                all.add(g.weights().get(p.name()));
            }
            return all;
        }
    }

    private void faultAtEveryPoint(EmulatedCuda.Fault fault, Class<? extends RuntimeException> expected,
                                   String fragment) {
        List<float[]> clean;
        try (Backend b = new CudaBackendProvider().open(BackendOptions.defaults())) {
            clean = pass(b);
        }
        long live = EmulatedCuda.counter(EmulatedCuda.Counter.LIVE_ALLOCATIONS);
        long leaked = EmulatedCuda.counter(EmulatedCuda.Counter.LEAKED);
        int faults = 0;
        for (int n = 1; ; n++) {
            boolean failed = false;
            try (Backend b = new CudaBackendProvider().open(BackendOptions.defaults())) {
                EmulatedCuda.inject(fault, n);
                try {
                    pass(b);
                } catch (RuntimeException e) {
                    failed = true;
                    assertTrue(expected.isInstance(e), "fault " + n + ": " + e);
                    assertTrue(String.valueOf(e.getMessage()).contains(fragment), "fault " + n + ": " + e);
                    assertTrue(!(e instanceof DeviceFailureException f) || f.backendUsable(), "fault " + n + ": " + e);
                }
                EmulatedCuda.inject(fault, 0);
                List<float[]> again = pass(b);
                for (int i = 0; i < clean.size(); i++) {
                    assertArrayEquals(clean.get(i), again.get(i), "after fault " + n + ", result " + i);
                }
            }
            assertEquals(live, EmulatedCuda.counter(EmulatedCuda.Counter.LIVE_ALLOCATIONS), "after fault " + n);
            assertEquals(leaked, EmulatedCuda.counter(EmulatedCuda.Counter.LEAKED), "after fault " + n);
            if (!failed) {
                break; // n is past the pass's last such call: every one has failed once
            }
            faults++;
        }
        assertTrue(faults > 3, "only " + faults + " points");
        System.out.printf("EmulatedCudaFaultTest: %s failed at each of %d points of a training pass%n", fault, faults);
    }

    @Test
    void outOfMemoryAtEveryAllocation() {
        faultAtEveryPoint(EmulatedCuda.Fault.ALLOCATION, DeviceOutOfMemoryException.class, "CUDA_ERROR_OUT_OF_MEMORY");
    }

    @Test
    void aFailedLaunchAtEveryLaunch() {
        faultAtEveryPoint(EmulatedCuda.Fault.LAUNCH, DeviceFailureException.class,
                "failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES");
    }
}
