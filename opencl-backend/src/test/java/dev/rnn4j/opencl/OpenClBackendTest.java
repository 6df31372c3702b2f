package dev.rnn4j.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.BackendUnavailableException;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.DeviceOutOfMemoryException;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.Transpose;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenCL backend itself: device choice, the program cache, transfers, GEMM, releasing. */
class OpenClBackendTest {
    static final OpenClBackendProvider PROVIDER = new OpenClBackendProvider();

    @BeforeAll
    static void needsOpenCl() {
        assumeTrue(PROVIDER.probe().available(), PROVIDER.probe().detail());
    }

    static Backend open(String device) {
        return PROVIDER.open(BackendOptions.defaults().withDevice(device));
    }

    @Test
    void devicesAreChosenByIndexOrNameAndBadChoicesSayWhatExists() {
        OpenClDevices.Device first = OpenClDevices.list().get(0);
        try (Backend b = open("0")) {
            assertEquals(first.name(), b.device().name());
        }
        String part = first.name().substring(0, Math.min(6, first.name().length())).toUpperCase();
        try (Backend b = open(part)) {
            assertEquals(first.name(), b.device().name());
        }
        BackendUnavailableException bad = assertThrows(BackendUnavailableException.class, () -> open("99"));
        assertTrue(bad.getMessage().contains("no OpenCL device 99; devices: [opencl:0"), bad.getMessage());
        BackendUnavailableException name = assertThrows(BackendUnavailableException.class, () -> open("no-such-gpu"));
        assertTrue(name.getMessage().contains("no OpenCL device named like 'no-such-gpu'"), name.getMessage());
    }

    @Test
    void programsAreCachedAndACorruptEntryIsRebuilt(@TempDir Path dir) throws Exception {
        String before = System.getProperty("rnn4j.cache.dir");
        System.setProperty("rnn4j.cache.dir", dir.toString());
        try {
            try (Backend b = open(null)) {
                assertTrue(b.device().description().contains("kernels built from source"), b.device().description());
            }
            Path entry;
            try (Stream<Path> files = Files.list(dir.resolve("opencl"))) {
                entry = files.filter(p -> p.toString().endsWith(".bin")).findFirst().orElseThrow();
            }
            try (Backend b = open(null)) {
                assertTrue(b.device().description().contains("kernels loaded from cache " + entry),
                        b.device().description());
            }
            byte[] bytes = Files.readAllBytes(entry);
            bytes[bytes.length / 2] ^= 0x5a; // a flipped byte: the checksum no longer matches
            Files.write(entry, bytes);
            assertEquals(null, OpenClProgram.readEntry(entry));
            try (Backend b = open(null)) {
                assertTrue(b.device().description().contains("kernels built from source"), b.device().description());
            }
            assertTrue(OpenClProgram.readEntry(entry) != null, "the rebuilt program is cached again");
            Files.write(entry, new byte[] {1, 2, 3}); // truncated
            try (Backend b = open(null)) {
                assertTrue(b.device().description().contains("kernels built from source"), b.device().description());
            }
        } finally {
            if (before == null) {
                System.clearProperty("rnn4j.cache.dir");
            } else {
                System.setProperty("rnn4j.cache.dir", before);
            }
        }
    }

    @Test
    void aKernelThatFailsToBuildReportsTheDriversBuildLog() {
        org.jocl.CL.setExceptionsEnabled(true);
        OpenClDevices.Device info = OpenClDevices.list().get(0);
        org.jocl.cl_platform_id platform = OpenClDevices.platforms().get(0);
        org.jocl.cl_device_id device = OpenClDevices.devices(platform, org.jocl.CL.CL_DEVICE_TYPE_ALL).get(0);
        org.jocl.cl_context_properties props = new org.jocl.cl_context_properties();
        props.addProperty(org.jocl.CL.CL_CONTEXT_PLATFORM, platform);
        org.jocl.cl_context context = org.jocl.CL.clCreateContext(props, 1, new org.jocl.cl_device_id[] {device},
                null, null, null);
        try {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> OpenClProgram.build(
                    context, device, info, "__kernel void broken(__global float* x) { x[0] = undeclared_name; }",
                    new String[] {"broken"}, null));
            assertTrue(e.getMessage().contains("failed to build rnn4j's kernels"), e.getMessage());
            assertTrue(e.getMessage().contains("undeclared_name"), "the build log names the error: " + e.getMessage());
        } finally {
            org.jocl.CL.clReleaseContext(context);
        }
    }

    @Test
    void gemmMatchesPlainLoopsWithTransposesOffsetsAlphaAndBeta() {
        Random r = new Random(3);
        try (Backend b = open(null)) {
            for (int[] s : List.of(new int[] {1, 1, 1}, new int[] {17, 33, 5}, new int[] {40, 3, 70},
                    new int[] {16, 16, 16}, new int[] {5, 7, 0})) {
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        check(b, r, s[0], s[1], s[2], ta, tb);
                    }
                }
            }
        }
    }

    /** The shared tiled kernel (what runs where no vendor BLAS loads) across its block edges (64) and depth (16). */
    @Test
    void tiledGemmMatchesPlainLoopsAcrossBlockEdges() {
        Random r = new Random(4);
        try (Backend b = new OpenClBackend(BackendOptions.defaults(), false, StepForm.UNFUSED)) {
            assertTrue(b.device().description().contains("GEMM: rnn4j tiled kernel"), b.device().description());
            for (int[] s : List.of(new int[] {1, 1, 1}, new int[] {64, 64, 16}, new int[] {65, 63, 17},
                    new int[] {130, 70, 33}, new int[] {3, 200, 130}, new int[] {129, 1, 64}, new int[] {2, 3, 0})) {
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        check(b, r, s[0], s[1], s[2], ta, tb);
                    }
                }
            }
        }
    }

    private static void check(Backend b, Random r, int m, int n, int k, boolean ta, boolean tb) {
        int lda = (ta ? m : k) + 2;
        int ldb = (tb ? k : n) + 1;
        int ldc = n + 3;
        int off = 5;
        float[] a = random(r, off + (ta ? k : m) * lda);
        float[] bb = random(r, off + (tb ? n : k) * ldb);
        float[] c = random(r, off + m * ldc);
        float alpha = 0.7f;
        float beta = -1.3f;
        float[] expected = c.clone();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += (double) (ta ? a[off + p * lda + i] : a[off + i * lda + p])
                            * (tb ? bb[off + j * ldb + p] : bb[off + p * ldb + j]);
                }
                expected[off + i * ldc + j] = (float) (alpha * sum + beta * c[off + i * ldc + j]);
            }
        }
        try (DeviceBuffer da = b.allocate(a.length); DeviceBuffer db = b.allocate(bb.length);
             DeviceBuffer dc = b.allocate(c.length)) {
            b.upload(a, 0, da, 0, a.length);
            b.upload(bb, 0, db, 0, bb.length);
            b.upload(c, 0, dc, 0, c.length);
            b.primitives().gemm(ta ? Transpose.YES : Transpose.NO, tb ? Transpose.YES : Transpose.NO, m, n, k, alpha,
                    da, off, lda, db, off, ldb, beta, dc, off, ldc);
            float[] got = new float[c.length];
            b.download(dc, 0, got, 0, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-4 * (1 + Math.abs(expected[i])),
                        "m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb + " at " + i);
            }
        }
    }

    static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextFloat() * 2 - 1;
        }
        return v;
    }

    @Test
    void closedBuffersAndOversizedAllocationsFailClearly() {
        try (Backend b = open(null)) {
            DeviceBuffer x = b.allocate(4);
            x.close();
            x.close(); // idempotent
            assertTrue(assertThrows(IllegalStateException.class, () -> b.upload(new float[4], 0, x, 0, 4))
                    .getMessage().contains("used after close"));
            DeviceOutOfMemoryException oom = assertThrows(DeviceOutOfMemoryException.class,
                    () -> b.allocate(1L << 40));
            assertTrue(oom.getMessage().contains("32-bit offsets"), oom.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> {
                try (DeviceBuffer y = b.allocate(2)) {
                    b.upload(new float[4], 0, y, 0, 4);
                }
            });
        }
        Backend closed = open(null);
        DeviceBuffer left = closed.allocate(8);
        closed.close(); // frees what it still holds
        assertThrows(IllegalStateException.class, () -> closed.download(left, 0, new float[8], 0, 8));
    }
}
