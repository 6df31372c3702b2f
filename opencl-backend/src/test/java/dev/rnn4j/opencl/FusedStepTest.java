package dev.rnn4j.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.Backend;
import dev.rnn4j.spi.BackendOptions;
import java.util.Random;
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
                int steps = 6;
                Random r = new Random(cell.ordinal() * 10 + batch);
                float[] x = new float[steps * batch * 48];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextGaussian();
                }
                int[] lengths = new int[batch];
                lengths[0] = steps;
                for (int b = 1; b < batch; b++) {
                    lengths[b] = 1 + r.nextInt(steps);
                }
                float[] h0 = new float[2 * batch * 300];
                for (int i = 0; i < h0.length; i++) {
                    h0[i] = (float) r.nextGaussian() * 0.5f;
                }
                RnnInput in = RnnInput.sequenceMajor(x, steps, batch).withLengths(lengths)
                        .withInitialState(h0, cell == CellType.LSTM ? h0.clone() : null);
                RnnOutput fused = run(spec, in, true);
                RnnOutput apart = run(spec, in, false);
                String what = cell + " B=" + batch;
                assertClose(apart.output(), fused.output(), what + " outputs");
                assertClose(apart.hN(), fused.hN(), what + " h_n");
                if (cell == CellType.LSTM) {
                    assertClose(apart.cN(), fused.cN(), what + " c_n");
                }
            }
        }
    }

    private static RnnOutput run(RnnSpec spec, RnnInput in, boolean fuse) {
        try (Backend b = new OpenClBackend(BackendOptions.defaults(), true, fuse ? StepForm.FUSED : StepForm.UNFUSED);
             RecurrentLayer layer = RecurrentLayer.create(b, spec, RnnParameters.uniform(spec, 7))) {
            return layer.forward(in);
        }
    }

    /** Equal up to the order of a 300-term sum: a few float ulps of values near 1. */
    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= 2e-6f + 2e-6f * Math.abs(expected[i]),
                    what + " [" + i + "]: " + expected[i] + " unfused, " + actual[i] + " fused");
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
