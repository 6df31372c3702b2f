package dev.rnn4j.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * PoCL replaces the JVM's SIGSEGV, SIGILL and SIGFPE handlers when it loads; the JVM then died at random in the
 * bench tests ("Segmentation fault", exit 139, no hs_err). With libjsig preloaded it keeps them. A child JVM with
 * {@code -Xcheck:jni} loads the driver through the probe and reports any handler that changed.
 */
class SignalChainingTest {

    /** Probes OpenCL, then prints its result; run in the child JVM. */
    public static void main(String[] args) {
        System.out.println("probe: " + new OpenClBackendProvider().probe());
    }

    private static String probeInChild(boolean withJsig) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Xcheck:jni", "-cp",
                System.getProperty("java.class.path"), SignalChainingTest.class.getName());
        pb.redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.remove("LD_PRELOAD");
        if (withJsig) {
            env.put("LD_PRELOAD", Path.of(System.getProperty("java.home"), "lib", "libjsig.so").toString());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("probe: "), out);
        return out;
    }

    @Test
    void theBuildsTestJvmsPreloadLibjsig() {
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"));
        assertTrue(OpenClBackendProvider.signalChainingPreloaded(), "surefire must set LD_PRELOAD to libjsig");
    }

    @Test
    void withLibjsigTheDriverCannotTakeTheJvmsSignalHandlers() throws Exception {
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"));
        assumeTrue(Path.of(System.getProperty("java.home"), "lib", "libjsig.so").toFile().isFile());
        String with = probeInChild(true);
        assertFalse(with.contains("handler modified"), with);
        // Without it, a driver that installs handlers (PoCL on CI) shows up: the check above can fail.
        if (new OpenClBackendProvider().probe().detail().contains("Portable Computing Language")) {
            String without = probeInChild(false);
            assertTrue(without.contains("SIGSEGV handler modified"), without);
        }
    }
}
