package dev.rnn4j.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.DeviceOutOfMemoryException;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.spi.Transpose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenCL backend on a device with little memory: PoCL limited to 1 GiB ({@code POCL_MEMORY_LIMIT=1}, set by this
 * class's own surefire execution), where one allocation holds at most 256 MiB. Running out is an exception naming the
 * request, and the backend goes on computing what it computed before; a product whose CLBlast scratch would not fit
 * takes the tiled kernel, since CLBlast's failing scratch allocation ended the JVM.
 */
class PoclMemoryLimitTest {
    static final long LIMITED = 1L << 30;
    private static Backend backend;

    @BeforeAll
    static void needsLimitedPocl() {
        OpenClBackendProvider provider = new OpenClBackendProvider();
        assumeTrue(provider.probe().available(), provider.probe().detail());
        assumeTrue("1".equals(System.getenv("POCL_MEMORY_LIMIT")), "runs in the pocl-memory-limit execution only");
        backend = provider.open(BackendOptions.defaults());
        assertEquals(LIMITED, backend.device().memoryBytes(), "POCL_MEMORY_LIMIT=1 did not take: "
                + backend.device());
    }

    /** Crashed the JVM (std::terminate in CLBlast) before such products went to the tiled kernel. */
    @Test
    void aProductWhoseClBlastScratchWouldNotFitStillRuns() {
        int m = 16384;
        int n = 4096;
        int k = 8;
        float[] a = new float[m * k];
        float[] b = new float[n * k];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 13) * 0.25f - 1;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 7) * 0.5f - 1;
        }
        try (DeviceBuffer da = backend.allocate(a.length); DeviceBuffer db = backend.allocate(b.length);
             DeviceBuffer dc = backend.allocate((long) m * n)) {
            backend.upload(a, 0, da, 0, a.length);
            backend.upload(b, 0, db, 0, b.length);
            backend.primitives().gemm(Transpose.NO, Transpose.YES, m, n, k, 1f, da, 0, k, db, 0, k, 0f, dc, 0, n);
            for (int row : new int[] {0, 5000, m - 1}) {
                float[] got = new float[n];
                backend.download(dc, (long) row * n, got, 0, n);
                for (int col = 0; col < n; col += 511) {
                    double want = 0;
                    for (int p = 0; p < k; p++) {
                        want += (double) a[row * k + p] * b[col * k + p];
                    }
                    assertEquals(want, got[col], 1e-4, "C[" + row + ", " + col + "]");
                }
            }
        }
    }

    @Test
    void anAllocationBeyondTheDeviceFailsClearlyAndTheBackendGoesOn() {
        RnnSpec spec = new RnnSpec(CellType.GRU, 3, 5, 1, true, true);
        RnnParameters w = RnnParameters.uniform(spec, 2);
        float[] x = new float[4 * 2 * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * 0.05f - 0.5f;
        }
        try (DeviceBuffer kept = backend.allocate(3)) {
            backend.upload(new float[] {1, 2, 3}, 0, kept, 0, 3);
            DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
                    () -> backend.allocate(100L << 20));
            assertEquals(400L << 20, e.requestedBytes());
            assertTrue(e.getMessage().contains("allocates at most 268435456 bytes per buffer"), e.getMessage());
            float[] back = new float[3];
            backend.download(kept, 0, back, 0, 3);
            assertArrayEquals(new float[] {1, 2, 3}, back);
            try (RecurrentLayer layer = RecurrentLayer.create(backend, spec, w);
                 Backend reference = new ReferenceBackendProvider().open(BackendOptions.defaults());
                 RecurrentLayer oracle = RecurrentLayer.create(reference, spec, w)) {
                float[] got = layer.forward(RnnInput.sequenceMajor(x, 4, 2)).output();
                float[] want = oracle.forward(RnnInput.sequenceMajor(x, 4, 2)).output();
                assertArrayEquals(want, got, 1e-5f);
            }
        }
    }

    @org.junit.jupiter.api.AfterAll
    static void close() {
        if (backend != null) {
            backend.close();
        }
    }
}
