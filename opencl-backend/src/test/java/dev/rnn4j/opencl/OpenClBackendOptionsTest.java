package dev.rnn4j.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenCL backend's options set in code: GEMM, step form and the program cache, each shown in its settings. */
class OpenClBackendOptionsTest {
    @BeforeAll
    static void needsOpenCl() {
        OpenClBackendTest.needsOpenCl();
    }

    @Test
    void gemmAndStepFormFromTheOptions() {
        BackendOptions options = BackendOptions.defaults().withGemm(BackendOptions.Gemm.TILED)
                .withStepForm(BackendOptions.StepForm.FUSED).withProgramCache(false);
        try (Backend b = OpenClBackendTest.PROVIDER.open(options)) {
            Map<String, String> s = b.settings();
            assertEquals("tiled", s.get("gemm"), s.toString());
            assertEquals("fused", s.get("stepForm"), s.toString());
            assertEquals("off", s.get("programCache"), s.toString());
        }
    }

    @Test
    void theProgramCacheGoesWhereTheOptionsSay(@TempDir Path dir) throws Exception {
        try (Backend b = OpenClBackendTest.PROVIDER.open(BackendOptions.defaults().withCacheDirectory(dir))) {
            assertEquals(dir.toString(), b.settings().get("programCache"));
        }
        try (Stream<Path> files = Files.walk(dir)) {
            assumeTrue(Files.exists(dir.resolve("opencl")), "this driver gives no program binaries to cache");
            assertTrue(files.anyMatch(p -> p.toString().endsWith(".bin")), "a cached program under " + dir);
        }
    }
}
