package dev.rnn4j.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.kernels.KernelPrimitives;
import dev.rnn4j.kernels.KernelSource;
import dev.rnn4j.kernels.SequencePlan;
import dev.rnn4j.kernels.StepForm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The persistent forward steps ({@code recurrent_sequence}) against the fused ones, on layers wider than the
 * conformance suite's: wide enough that W_hh is split across work-groups (one launch per step on OpenCL) as well
 * as narrow enough for one group (all steps in one launch), and that the form asked for is the form that ran.
 */
class PersistentStepTest {
    private static final int STEPS = 6;
    /** The kernels add the same terms in the same order; allow a float ulp or two for a compiler's contractions. */
    private static final float SAME_SUMS = 1e-6f;

    @BeforeAll
    static void needsOpenCl() {
        assumeTrue(OpenClBackendTest.PROVIDER.probe().available(), OpenClBackendTest.PROVIDER.probe().detail());
    }

    @Test
    void persistentAndFusedStepsAgreeAndThePlanDecidesTheLaunches() {
        boolean split = false;
        boolean whole = false;
        long localBytes;
        try (OpenClBackend probe = new OpenClBackend(BackendOptions.defaults(), true, StepForm.PERSISTENT)) {
            localBytes = probe.localMemoryBytes() - KernelSource.STEP_PARTIAL_BYTES;
        }
        for (CellType cell : CellType.values()) {
            for (int hidden : new int[] {40, splittingHidden(cell, localBytes)}) {
                for (int batch : new int[] {1, 8}) {
                    RnnSpec spec = new RnnSpec(cell, 24, hidden, 1, true, true);
                    RnnInput in = StepFormRuns.randomInput(spec, STEPS, batch, cell.ordinal() * 100 + hidden + batch);
                    try (OpenClBackend fusedBackend = new OpenClBackend(BackendOptions.defaults(), true,
                            StepForm.FUSED);
                         OpenClBackend persistentBackend = new OpenClBackend(BackendOptions.defaults(), true,
                                 StepForm.PERSISTENT)) {
                        RnnOutput fused = StepFormRuns.forward(fusedBackend, spec, in);
                        RnnOutput persistent = StepFormRuns.forward(persistentBackend, spec, in);
                        String what = cell + " H=" + hidden + " B=" + batch;
                        StepFormRuns.assertSameResults(fused, persistent, cell, SAME_SUMS,
                                what + ", persistent against fused,");
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

    /**
     * The smallest hidden size from 300 up (in steps of 50) whose W_hh spans several groups of the device's local
     * memory: PoCL sizes local memory by the CPU's L2, so a fixed size (300 was) splits on a 1 MiB L2 and not on a
     * 2 MiB one, and the test then ran no split layer.
     */
    private static int splittingHidden(CellType cell, long localBytes) {
        int hidden = 300;
        while (SequencePlan.of(cell.gates(), hidden, hidden, 0, localBytes).groups() == 1) {
            hidden += 50;
        }
        return hidden;
    }

    @Test
    void batchesAboveTheFusedLimitStepAsBefore() {
        RnnSpec spec = new RnnSpec(CellType.GRU, 24, 40, 1, false, true);
        RnnInput in = StepFormRuns.randomInput(spec, STEPS, KernelSource.STEP_MAX_BATCH + 1, 5);
        try (OpenClBackend unfused = new OpenClBackend(BackendOptions.defaults(), true, StepForm.UNFUSED);
             OpenClBackend persistent = new OpenClBackend(BackendOptions.defaults(), true, StepForm.PERSISTENT)) {
            StepFormRuns.assertClose(StepFormRuns.forward(unfused, spec, in).output(),
                    StepFormRuns.forward(persistent, spec, in).output(), SAME_SUMS, "B=9 outputs");
            assertEquals(0, launches(persistent));
        }
    }

    private static long launches(OpenClBackend b) {
        return ((KernelPrimitives) b.primitives()).sequenceLaunches();
    }
}
