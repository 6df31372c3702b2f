package dev.rnn4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.CellVariant;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.spi.StepConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract between the Java side and the kernels, checked with the host C compiler on the kernels themselves
 * (preprocessed, so the parameter macros count as what they expand to): the step kernels take a configuration
 * buffer and a few buffers, not a flag per variant; and a {@link StepConfig}'s device form reads back in C as the
 * values the Java side packed. On CI the compiler must be there (.ci/run installs gcc).
 */
class KernelContractTest {
    /** The most parameters a cell step kernel takes (the persistent sequence kernel adds its launch's own five). */
    private static final int STEP_KERNEL_PARAMETERS = 14;
    private static final int SEQUENCE_KERNEL_PARAMETERS = 17;

    /** A prelude that lets the host compiler read the body: every dialect word as plain C. */
    private static final String HOST_PRELUDE = """
            #include <math.h>
            #include <stdio.h>
            #include <string.h>
            #define KERNEL
            #define GLOBAL
            #define LOCAL static
            #define DEVICE_FN static inline
            #define GID_X() 0
            #define LID_X() 0
            #define LID_Y() 0
            #define GROUP_X() 0
            #define GROUP_Y() 0
            #define NUM_GROUPS_X() 1
            #define LOCAL_PTR
            #define DYNAMIC_LOCAL_PARAM(name) float* name
            #define DYNAMIC_LOCAL(name)
            #define ATOMIC_ADD(p, v) ((*(p)) += (v))
            #define ATOMIC_XCHG(p, v) ((*(p)) = (v))
            #define GLOBAL_FENCE()
            #define SPIN_GUARD(spins) (void) (spins)
            #define BARRIER()
            #define GLOBAL_BARRIER()
            #define EXPF(x) expf(x)
            #define LOG1PF(x) log1pf(x)
            #define TANHF(x) tanhf(x)
            #define FABSF(x) fabsf(x)
            #define FMAXF(a, b) fmaxf(a, b)
            #define FMINF(a, b) fminf(a, b)
            #define COPYSIGNF(a, b) copysignf(a, b)
            #define LOGF(x) logf(x)
            #define SQRTF(x) sqrtf(x)
            static inline float host_int_as_float(int x) { float f; memcpy(&f, &x, sizeof f); return f; }
            #define INT_AS_FLOAT(x) host_int_as_float(x)
            """;

    private static String cc() {
        String cc = System.getenv().getOrDefault("CC", "cc");
        if (System.getenv("CI") == null) {
            assumeTrue(works(cc), "no C compiler (" + cc + ")");
        }
        return cc;
    }

    private static boolean works(String cc) {
        try {
            return new ProcessBuilder(cc, "--version").start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void stepKernelsTakeAConfigurationAndTheirBuffers(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("body.c");
        Files.writeString(src, HOST_PRELUDE + KernelSource.body());
        String pre = run(dir, List.of(cc(), "-E", "-P", src.toString()));
        Map<String, Integer> counts = new TreeMap<>();
        Matcher m = Pattern.compile("void\\s+(\\w+)\\s*\\(([^)]*)\\)\\s*\\{").matcher(pre);
        while (m.find()) {
            String params = m.group(2).trim();
            counts.put(m.group(1), params.isEmpty() ? 0 : params.split(",").length);
        }
        for (String k : List.of("cell_forward", "cell_backward", "gru_reset_forward", "gru_reset_backward",
                "recurrent_forward")) {
            assertTrue(counts.containsKey(k), k + " not found in " + counts.keySet());
            assertTrue(counts.get(k) <= STEP_KERNEL_PARAMETERS, k + " takes " + counts.get(k) + " parameters");
        }
        assertTrue(counts.get("recurrent_sequence") <= SEQUENCE_KERNEL_PARAMETERS,
                "recurrent_sequence takes " + counts.get("recurrent_sequence"));
    }

    @Test
    void aConfigurationReadsBackInCAsJavaPackedIt(@TempDir Path dir) throws Exception {
        Activation hardSigmoid = new Activation(Activation.Function.HARD_SIGMOID, 0.3f, 0.45f);
        Activation scaledTanh = new Activation(Activation.Function.SCALED_TANH, 1.2f, 0.8f);
        List<StepConfig> configs = List.of(
                StepConfig.of(new RnnSpec(CellType.LSTM, 9, 17, 1, true, true,
                        new CellVariant(true, true, 0.5f, 0.3f, false, 5, List.of(hardSigmoid, scaledTanh,
                                Activation.SIGMOID, Activation.SIGMOID, Activation.TANH, Activation.TANH))), 0),
                StepConfig.of(new RnnSpec(CellType.GRU, 4, 5, 2, true, false, CellVariant.gruOriginal(0.3f)), 1),
                StepConfig.of(new RnnSpec(CellType.RNN_RELU, 3, 7, 1, false, true), 0));
        StringBuilder main = new StringBuilder(HOST_PRELUDE + KernelSource.body() + "\nint main(void) {\n");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            for (boolean training : new boolean[] {false, true}) {
                StepConfig c = configs.get(i);
                int[] w = StepConfigWords.of(c, training);
                String name = "w" + i + (training ? "t" : "i");
                main.append("    static const int ").append(name).append("[] = {")
                        .append(java.util.Arrays.stream(w).mapToObj(Integer::toString).collect(Collectors.joining(", ")))
                        .append("};\n    { step_cfg c = step_cfg_read(").append(name).append(");\n")
                        .append("      printf(\"%d %d %d %d %d %d %d %.9g %.9g %d %d %d %.9g %.9g %d %.9g %.9g %d %.9g")
                        .append(" %.9g %d %d %d %d %d\\n\", c.cell, c.hidden, c.stateSize, c.gateRows, c.hasBias,")
                        .append(" c.hasPeep, c.inputForget, c.clip, c.cellClip, c.originalGru, c.projected, c.f0,")
                        .append(" c.a0, c.b0, c.f1, c.a1, c.b1, c.f2, c.a2, c.b2, c.keepPre, c.reserveWidth,")
                        .append(" c.flagsAt, c.presAt, c.training); }\n");
                expected.add(String.format(java.util.Locale.ROOT,
                        "%d %d %d %d %d %d %d %s %s %d %d %d %s %s %d %s %s %d %s %s %d %d %d %d %d",
                        c.cell().ordinal(), c.hidden(), c.stateSize(), c.gateRows(), b(c.bias()), b(c.peepholes()),
                        b(c.inputForget()), g(c.clip()), g(c.cellClip()), b(c.originalGru()), b(c.projected()),
                        c.activation(0).function().ordinal(), g(c.activation(0).alpha()), g(c.activation(0).beta()),
                        c.activation(1).function().ordinal(), g(c.activation(1).alpha()), g(c.activation(1).beta()),
                        c.activation(2).function().ordinal(), g(c.activation(2).alpha()), g(c.activation(2).beta()),
                        b(c.onnxActivations()), c.reserveWidth(), c.flagsAt(), c.preActivationsAt(), b(training)));
            }
        }
        main.append("    return 0;\n}\n");
        Path src = dir.resolve("read_config.c");
        Files.writeString(src, main.toString());
        Path exe = dir.resolve("read_config");
        run(dir, List.of(cc(), "-w", "-o", exe.toString(), src.toString(), "-lm"));
        List<String> got = List.of(run(dir, List.of(exe.toString())).strip().split("\n"));
        assertEquals(expected, got.stream().map(KernelContractTest::normalise).collect(Collectors.toList()));
    }

    private static int b(boolean v) {
        return v ? 1 : 0;
    }

    /** A float as C's %.9g prints it, normalised like {@link #normalise}. */
    private static String g(float v) {
        return Float.toString(v).replaceAll("\\.0$", "");
    }

    /** C's %.9g of a float, printed as Java's shortest form so the two lines compare. */
    private static String normalise(String line) {
        StringBuilder out = new StringBuilder();
        for (String t : line.split(" ")) {
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append(t.contains(".") || t.contains("e") || t.contains("nan") ? g(Float.parseFloat(t)) : t);
        }
        return out.toString();
    }

    private static String run(Path dir, List<String> cmd) throws Exception {
        Path log = dir.resolve("run.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(log.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd) + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + Files.readString(log));
        return out;
    }
}
