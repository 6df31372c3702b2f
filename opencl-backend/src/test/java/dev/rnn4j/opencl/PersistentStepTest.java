package dev.rnn4j.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.kernels.KernelPrimitives;
import dev.rnn4j.kernels.KernelSource;
import dev.rnn4j.kernels.SequencePlan;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.BackendOptions;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The persistent forward steps ({@code recurrent_sequence}) against the fused ones, on layers wider than the
 * conformance suite's: wide enough that W_hh is split across work-groups (one launch per step on OpenCL) as well
 * as narrow enough for one group (all steps in one launch), and that the form asked for is the form that ran.
 */
class PersistentStepTest {
    private static final int STEPS = 6;

    @BeforeAll
    static void needsOpenCl() {
        assumeTrue(OpenClBackendTest.PROVIDER.probe().available(), OpenClBackendTest.PROVIDER.probe().detail());
    }

    @Test
    void persistentAndFusedStepsAgreeAndThePlanDecidesTheLaunches() {
        boolean split = false;
        boolean whole = false;
        for (CellType cell : CellType.values()) {
            for (int hidden : new int[] {40, 300}) {
                for (int batch : new int[] {1, 8}) {
                    RnnSpec spec = new RnnSpec(cell, 24, hidden, 1, true, true);
                    RnnInput in = input(spec, batch, cell.ordinal() * 100 + hidden + batch);
                    try (OpenClBackend fusedBackend = new OpenClBackend(BackendOptions.defaults(), true,
                            StepForm.FUSED);
                         OpenClBackend persistentBackend = new OpenClBackend(BackendOptions.defaults(), true,
                                 StepForm.PERSISTENT)) {
                        RnnOutput fused = run(fusedBackend, spec, in);
                        RnnOutput persistent = run(persistentBackend, spec, in);
                        String what = cell + " H=" + hidden + " B=" + batch;
                        assertClose(fused.output(), persistent.output(), what + " outputs");
                        assertClose(fused.hN(), persistent.hN(), what + " h_n");
                        if (cell == CellType.LSTM) {
                            assertClose(fused.cN(), persistent.cN(), what + " c_n");
                        }
                        SequencePlan plan = SequencePlan.of(cell.gates(), hidden, hidden, 0,
                                persistentBackend.localMemoryBytes() - KernelSource.STEP_PARTIAL_BYTES);
                        assertTrue(plan != null, what + ": W_hh should fit the device's local memory");
                        // Two directions: each one launch, or one per step where its rows span groups.
                        long expected = 2L * (plan.allStepsPerLaunch() ? 1 : STEPS);
                        assertEquals(expected, launches(persistentBackend), what + " recurrent_sequence launches");
                        assertEquals(0, launches(fusedBackend), what + ": the fused form never launches it");
                        split |= plan.groups() > 1;
                        whole |= plan.groups() == 1;
                    }
                }
            }
        }
        assertTrue(split && whole, "both a layer split across groups and one held by one group were run");
    }

    @Test
    void batchesAboveTheFusedLimitStepAsBefore() {
        RnnSpec spec = new RnnSpec(CellType.GRU, 24, 40, 1, false, true);
        RnnInput in = input(spec, KernelSource.STEP_MAX_BATCH + 1, 5);
        try (OpenClBackend unfused = new OpenClBackend(BackendOptions.defaults(), true, StepForm.UNFUSED);
             OpenClBackend persistent = new OpenClBackend(BackendOptions.defaults(), true, StepForm.PERSISTENT)) {
            assertClose(run(unfused, spec, in).output(), run(persistent, spec, in).output(), "B=9 outputs");
            assertEquals(0, launches(persistent));
        }
    }

    private static long launches(OpenClBackend b) {
        return ((KernelPrimitives) b.primitives()).sequenceLaunches();
    }

    private static RnnInput input(RnnSpec spec, int batch, long seed) {
        Random r = new Random(seed);
        float[] x = new float[STEPS * batch * spec.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        int[] lengths = new int[batch];
        lengths[0] = STEPS;
        for (int b = 1; b < batch; b++) {
            lengths[b] = 1 + r.nextInt(STEPS);
        }
        int states = spec.directions() * batch * spec.hiddenSize();
        float[] h0 = new float[states];
        for (int i = 0; i < h0.length; i++) {
            h0[i] = (float) r.nextGaussian() * 0.5f;
        }
        return RnnInput.sequenceMajor(x, STEPS, batch).withLengths(lengths)
                .withInitialState(h0, spec.cell() == CellType.LSTM ? h0.clone() : null);
    }

    private static RnnOutput run(OpenClBackend b, RnnSpec spec, RnnInput in) {
        try (RecurrentLayer layer = RecurrentLayer.create(b, spec, RnnParameters.uniform(spec, 7))) {
            return layer.forward(in);
        }
    }

    /** The kernels add the same terms in the same order; allow a float ulp or two for a compiler's contractions. */
    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-6f + 1e-6f * Math.abs(expected[i]),
                    what + " [" + i + "]: " + expected[i] + " fused, " + actual[i] + " persistent");
        }
    }
}
