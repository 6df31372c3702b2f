package dev.rnn4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.spi.MatrixRef;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Uploads and downloads on a real GPU through the pinned halves, over several of them (the conformance suite's
 * tensors all fit one), interleaved with device work; skipped with the probe's reason where no GPU is.
 * {@link StagedTransfersTest} checks the same schedule everywhere against a simulated stream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaTransfersTest {
    @BeforeAll
    void needsGpu() {
        var probe = new CudaBackendProvider().probe();
        assumeTrue(probe.available(), probe.detail());
    }

    @Test
    void largeTransfersRoundTripThroughThePinnedHalves() {
        int half = PinnedStaging.HALF_BYTES / 4;
        int n = 2 * half + half / 2 + 3;
        float[] src = new float[n + 5];
        for (int i = 0; i < src.length; i++) {
            src[i] = i * 0.5f - 7;
        }
        try (Backend b = new CudaBackendProvider().open(BackendOptions.defaults());
             DeviceBuffer d = b.allocate(n + 11);
             DeviceBuffer e = b.allocate(n + 11)) {
            assertTrue(b.device().description().contains("transfers through pinned host memory"),
                    b.device().description());
            b.upload(src, 5, d, 11, n);
            Arrays.fill(src, 0f); // the upload has already taken its copy
            b.primitives().copy(d, 11, e, 0, n); // device work between: the download must wait for it
            b.trainingPrimitives().scale(e, 0, n, 2f);
            float[] back = new float[n + 1];
            b.download(e, 0, back, 1, n);
            float[] expected = new float[n + 1];
            for (int i = 0; i < n; i++) {
                expected[1 + i] = ((5 + i) * 0.5f - 7) * 2f;
            }
            assertArrayEquals(expected, back);

            // Ints over more than one half, read back through a kernel that uses them: rows of a 4-row table.
            int[] ids = new int[half + 9];
            Arrays.setAll(ids, i -> (i * 7) % 4);
            float[] table = {1, 2, 3, 4, 5, 6, 7, 8};
            try (DeviceBuffer t = b.allocate(8);
                 DeviceBuffer idsOnDevice = b.allocateInts(ids.length);
                 DeviceBuffer rows = b.allocate(2L * ids.length)) {
                b.upload(table, 0, t, 0, 8);
                b.uploadInts(ids, 0, idsOnDevice, 0, ids.length);
                b.trainingPrimitives().gatherRows(t, idsOnDevice, ids.length, 2, new MatrixRef(rows, 0, 2));
                float[] got = new float[2 * ids.length];
                b.download(rows, 0, got, 0, got.length);
                float[] want = new float[got.length];
                for (int i = 0; i < ids.length; i++) {
                    want[2 * i] = table[2 * ids[i]];
                    want[2 * i + 1] = table[2 * ids[i] + 1];
                }
                assertArrayEquals(want, got);
            }
            assertThrows(IndexOutOfBoundsException.class, () -> b.upload(new float[4], 2, d, 0, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> b.download(d, 0, new float[4], 2, 3));
        }
    }
}
