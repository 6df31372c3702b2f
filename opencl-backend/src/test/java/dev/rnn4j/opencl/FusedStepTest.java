package dev.rnn4j.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.kernels.StepForm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fused small-batch forward step ({@code recurrent_forward}) against the unfused one on shapes larger than the
 * conformance suite's, and how the choice between them is made and reported. The suite itself checks both forms
 * against the oracle ({@link OpenClConformanceTest}, {@link TiledGemmOpenClConformanceTest}).
 */
class FusedStepTest {
    @BeforeAll
    static void needsOpenCl() {
        assumeTrue(OpenClBackendTest.PROVIDER.probe().available(), OpenClBackendTest.PROVIDER.probe().detail());
    }

    @Test
    void fusedAndUnfusedStepsAgreeOnWideLayers() {
        for (CellType cell : CellType.values()) {
            for (int batch : new int[] {1, 8}) {
                RnnSpec spec = new RnnSpec(cell, 48, 300, 1, true, true);
                RnnInput in = StepFormRuns.randomInput(spec, 6, batch, cell.ordinal() * 10 + batch);
                RnnOutput fused = run(spec, in, StepForm.FUSED);
                RnnOutput apart = run(spec, in, StepForm.UNFUSED);
                // Equal up to the order of a 300-term sum: a few float ulps of values near 1.
                StepFormRuns.assertSameResults(apart, fused, cell, 2e-6f,
                        cell + " B=" + batch + ", fused against unfused,");
            }
        }
    }

    private static RnnOutput run(RnnSpec spec, RnnInput in, StepForm form) {
        try (Backend b = new OpenClBackend(BackendOptions.defaults(), true, form)) {
            return StepFormRuns.forward(b, spec, in);
        }
    }

    @Test
    void theChoiceIsReportedAndAskedForWithAProperty() {
        String old = System.getProperty(StepForm.PROPERTY);
        try {
            System.clearProperty(StepForm.PROPERTY);
            try (Backend b = OpenClBackendTest.open("0")) {
                // Unfused on a CPU device (PoCL) unless asked, fused on a GPU.
                boolean cpu = OpenClDevices.list().get(0).cpu();
                assertTrue(b.device().description().contains(cpu ? "forward steps unfused"
                        : "fused forward steps for batch <= 8"), b.device().description());
            }
            System.setProperty(StepForm.PROPERTY, "fused");
            try (Backend b = OpenClBackendTest.open("0")) {
                assertTrue(b.device().description().contains("; fused forward steps for batch <= 8"),
                        b.device().description());
            }
            System.setProperty(StepForm.PROPERTY, "Persistent");
            try (Backend b = OpenClBackendTest.open("0")) {
                assertTrue(b.device().description().contains("; persistent forward steps for batch <= 8"),
                        b.device().description());
                assertTrue(b.device().description().contains("one launch per step unless one work-group holds the "
                        + "layer"), b.device().description());
            }
            System.setProperty(StepForm.PROPERTY, "true");
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> OpenClBackendTest.open("0").close());
            assertTrue(bad.getMessage().contains(
                    "-Drnn4j.kernels.stepForm must be unfused, fused or persistent, got 'true'"), bad.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(StepForm.PROPERTY);
            } else {
                System.setProperty(StepForm.PROPERTY, old);
            }
        }
    }
}
