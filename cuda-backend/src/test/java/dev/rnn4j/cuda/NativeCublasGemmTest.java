package dev.rnn4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JNA binding to libcublas ({@link NativeCublasGemm}) without a GPU: against a stand-in library with cuBLAS's
 * entry points and reference semantics, built here with the C compiler, in a JVM of its own
 * ({@link FakeCublasCheck}); and the reason it gives where no libcublas is.
 */
class NativeCublasGemmTest {
    @Test
    void theBindingComputesRowMajorProductsThroughTheColumnMajorLibrary(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("fake_cublas.c");
        try (InputStream in = NativeCublasGemmTest.class.getResourceAsStream("fake_cublas.c")) {
            Files.copy(in, source);
        }
        Path library = dir.resolve("libcublas-fake.so");
        String cc = System.getenv().getOrDefault("CC", "cc");
        Process compile;
        try {
            compile = new ProcessBuilder(cc, "-shared", "-fPIC", "-O1", "-o", library.toString(), source.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no C compiler (" + cc + ") to build the stand-in cuBLAS: " + e.getMessage());
            return;
        }
        String compileLog = new String(compile.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(compile.waitFor(60, TimeUnit.SECONDS), "cc timed out");
        assertEquals(0, compile.exitValue(), "cc failed: " + compileLog);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process check = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), FakeCublasCheck.class.getName(), library.toString())
                .redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(120, TimeUnit.SECONDS), "the check timed out: " + out);
        assertEquals(0, check.exitValue(), out);
        assertTrue(out.contains("fake cuBLAS checks passed"), out);
    }

    @Test
    void candidatesAreThePropertyAloneOrTheNamesThenTheInstallDirectories() {
        assertEquals(List.of("/opt/x/libcublas.so.13"),
                NativeCublasGemm.candidates(" /opt/x/libcublas.so.13 ", Map.of("CUDA_HOME", "/cuda"), p -> true));
        assertEquals(NativeCublasGemm.LIBRARIES, NativeCublasGemm.candidates(null, Map.of(), p -> false));
        Set<Path> present = Set.of(Path.of("/cuda/lib64/libcublas.so.13"),
                Path.of("/usr/local/cuda/lib64/libcublas.so.12"));
        List<String> found = NativeCublasGemm.candidates("", Map.of("CUDA_HOME", "/cuda"), present::contains);
        assertEquals(NativeCublasGemm.LIBRARIES, found.subList(0, 4));
        assertEquals(List.of("/cuda/lib64/libcublas.so.13", "/usr/local/cuda/lib64/libcublas.so.12"),
                found.subList(4, found.size()));
    }

    @Test
    void whereNoLibcublasIsTheReasonNamesEveryLibraryTried() {
        // Binds this JVM to a real libcublas where one is (then there is nothing to check here).
        String why = NativeCublasGemm.load(NativeCublasGemm.candidates(null, Map.of(), p -> false));
        assumeTrue(why != null, "a libcublas is installed here");
        for (String name : List.of("libcublas.so.13", "libcublas.so.12")) {
            assertTrue(why.contains(name), why);
        }
        assertTrue(why.startsWith("no libcublas could be bound ("), why);
        assertTrue(why.endsWith("-Drnn4j.cuda.cublas=/path/to/libcublas.so.13"), why);
        String[] reason = new String[1];
        assertEquals(null, NativeCublasGemm.open(0, reason));
        assertEquals(why, reason[0]);
    }
}
