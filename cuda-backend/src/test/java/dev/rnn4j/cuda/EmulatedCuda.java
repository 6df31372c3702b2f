package dev.rnn4j.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.NativeLibrary;
import dev.rnn4j.kernels.KernelSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The emulated CUDA driver (resources {@code emulator/}): built here with the machine's C compiler from
 * {@code emulated_cuda.c}, the shared kernels ({@link KernelSource#body()}, written as {@code cells.c}, under {@code prelude_emulated.h}) and a table of the
 * kernels generated from their preprocessed signatures, into a library whose soname is {@code libcuda.so.1}; then
 * loaded into this JVM before JCuda, whose natives then bind to it. cuBLAS's stand-in ({@code fake_cublas.c},
 * queuing its products on the emulated streams) is named to the backend by {@code -Drnn4j.cuda.cublas}, or loaded as
 * {@code libcublas.so.12} for JCublas ({@link #load(boolean)}).
 *
 * <p>Only the {@code Emulated*Test} classes use it, in surefire executions (JVMs) of their own, one for the
 * {@code EmulatedCuda12*} classes (JCublas) and one for the rest: once loaded, the emulator is the JVM's CUDA
 * driver. Where no C compiler is, they skip saying so (on CI, where .ci/run installs one, they fail).
 */
final class EmulatedCuda {
    /** What {@link #counter} reads. */
    enum Counter {
        LAUNCHES, HOST_WAITS, LEAKED, LIVE_ALLOCATIONS, COOPERATIVE_LAUNCHES, GRAPH_LAUNCHES
    }

    private static final Pattern KERNEL = Pattern.compile("rnn4j_emulated_kernel\\s+void\\s+(\\w+)\\s*\\(");
    private static final Pattern PARAMETER = Pattern.compile("^(.*?)\\s*\\b(\\w+)$");

    private static NativeLibrary library;
    private static String unavailable;

    private EmulatedCuda() {
    }

    /** Whether this JVM's cuBLAS is JCublas on the stand-in as libcublas.so.12, or null before {@link #load}. */
    private static Boolean jcublas;

    /**
     * Builds and loads the emulator once per JVM, with cuBLAS's stand-in for {@link NativeCublasGemm}; skips the
     * calling test where it cannot be built.
     */
    static void load() {
        load(false);
    }

    /**
     * {@link #load()}, where {@code asCublas12} also loads the stand-in as {@code libcublas.so.12} (with that
     * version on its symbols, as JCublas 12.6's natives require) before JCublas, which then binds to it: the backend
     * then takes its CUDA 12 path ({@link CublasGemm}). One choice per JVM.
     */
    static synchronized void load(boolean asCublas12) {
        if (jcublas != null && jcublas != asCublas12) {
            throw new IllegalStateException("this JVM's emulator was loaded with" + (jcublas ? "" : "out")
                    + " libcublas.so.12: the EmulatedCuda12* tests run in a surefire execution of their own");
        }
        jcublas = asCublas12;
        if (library == null && unavailable == null && !System.getProperty("os.name").startsWith("Linux")) {
            unavailable = "it is built for Linux (JCuda's natives there bind libcuda.so.1), this is "
                    + System.getProperty("os.name");
        }
        if (library == null && unavailable == null) {
            try {
                Path dir = directory();
                Path driver = build(dir);
                if (driver != null) {
                    System.load(driver.toString());
                    if (asCublas12) {
                        System.load(dir.resolve("libcublas.so.12").toString());
                    }
                    System.setProperty("rnn4j.cuda.cublas", dir.resolve("libcublas.so.13").toString());
                    library = NativeLibrary.getInstance(driver.toString());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        if (library == null && System.getenv("CI") != null && System.getProperty("os.name").startsWith("Linux")) {
            // CI installs a C compiler (.ci/run): there, not building the emulator is a failure, not a skip.
            throw new IllegalStateException("the emulated CUDA driver was not built on CI: " + unavailable);
        }
        assumeTrue(library != null, () -> "the emulated CUDA driver was not built: " + unavailable);
    }

    /**
     * Where the emulator is built: {@code target/emulated-cuda} of the module under Maven (so the command line can use
     * it afterwards, see docs/testing.md), emptied first; else a new temporary directory.
     */
    private static Path directory() throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        if (!Files.isDirectory(target)) {
            return Files.createTempDirectory("rnn4j-emulated-cuda");
        }
        Path dir = target.resolve("emulated-cuda");
        if (Files.isDirectory(dir)) {
            try (var old = Files.list(dir)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }

    /** Makes the emulated driver refuse, or again accept, stream captures (CUDA graphs). */
    static void refuseCaptures(boolean refuse) {
        library.getFunction("rnn4j_emulated_refuse_captures").invokeVoid(new Object[] {refuse ? 1 : 0});
    }

    /** One of the emulator's counters. */
    /** What {@link #inject} makes fail. */
    enum Fault {
        /** A device allocation, as out of memory. */
        ALLOCATION,
        /** A kernel launch, with CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (the context stays usable). */
        LAUNCH,
        /**
         * A kernel, accepted, that then faults: CUDA_ERROR_ILLEGAL_ADDRESS from every later call of the process,
         * for the rest of the JVM (as on a GPU, where only a new process recovers).
         */
        TRAP
    }

    /** Makes the {@code n}-th such call from now fail (1: the next); 0 disarms. */
    static void inject(Fault which, long n) {
        library.getFunction("rnn4j_emulated_inject").invokeVoid(new Object[] {which.ordinal(), n});
    }

    static long counter(Counter which) {
        return library.getFunction("rnn4j_emulated_counter").invokeLong(new Object[] {which.ordinal()});
    }

    /** The driver library's path, or null (with {@link #unavailable} set) where no C compiler is. */
    private static Path build(Path dir) throws IOException, InterruptedException {
        for (String name : List.of("emulated_cuda.c", "emulated_cuda.h", "prelude_emulated.h", "shared_sizes.h")) {
            copy(EmulatedCuda.class, "emulator/" + name, dir.resolve(name));
        }
        copy(EmulatedCuda.class, "fake_cublas.c", dir.resolve("fake_cublas.c"));
        Files.writeString(dir.resolve("cells.c"), KernelSource.body());
        Files.writeString(dir.resolve("scan.c"), "#include \"prelude_emulated.h\"\n#include \"cells.c\"\n");
        String cc = System.getenv().getOrDefault("CC", "cc");
        String scanned;
        try {
            scanned = compile(dir, cc, "-E", "-P", "-DEMU_SCAN", "scan.c");
        } catch (IOException e) {
            unavailable = "no C compiler (" + cc + "): " + e.getMessage();
            return null;
        }
        Files.writeString(dir.resolve("kernels.c"), table(scanned));
        compile(dir, cc, "-shared", "-fPIC", "-O2", "-pthread", "-Wall", "-Wno-unused-function",
                "-Wl,-soname,libcuda.so.1", "-o", "libcuda.so.1", "emulated_cuda.c", "kernels.c", "-lm");
        compile(dir, cc, "-shared", "-fPIC", "-O2", "-DRNN4J_EMULATED_CUDA", "-Wl,-soname,libcublas.so.13", "-o",
                "libcublas.so.13", "fake_cublas.c", "./libcuda.so.1");
        Files.writeString(dir.resolve("cublas12.map"), "libcublas.so.12 {\n  global: cublas*;\n  local: *;\n};\n");
        compile(dir, cc, "-shared", "-fPIC", "-O2", "-DRNN4J_EMULATED_CUDA", "-Wl,-soname,libcublas.so.12",
                "-Wl,--version-script=cublas12.map", "-o", "libcublas.so.12", "fake_cublas.c", "./libcuda.so.1");
        return dir.resolve("libcuda.so.1");
    }

    /**
     * The kernel table's C source from the preprocessed kernels: per kernel, a function that calls it with its
     * arguments read from the driver's slots, and its entry (name, argument kinds, whether it reaches a barrier).
     * Fails unless it finds exactly {@link KernelSource#KERNELS}.
     */
    static String table(String preprocessed) {
        StringBuilder calls = new StringBuilder();
        StringBuilder entries = new StringBuilder();
        StringBuilder defaults = new StringBuilder();
        Set<String> found = new TreeSet<>();
        Matcher m = KERNEL.matcher(preprocessed);
        while (m.find()) {
            String name = m.group(1);
            int close = matching(preprocessed, m.end() - 1, '(', ')');
            int open = preprocessed.indexOf('{', close);
            String body = preprocessed.substring(open, matching(preprocessed, open, '{', '}'));
            List<String> args = new ArrayList<>();
            StringBuilder kinds = new StringBuilder();
            List<String> params = Arrays.stream(preprocessed.substring(m.end(), close).split(","))
                    .map(String::trim).filter(p -> !p.isEmpty() && !p.equals("void")).toList();
            for (int i = 0; i < params.size(); i++) {
                Matcher p = PARAMETER.matcher(params.get(i).replaceAll("\\s+", " "));
                if (!p.matches()) {
                    throw new IllegalStateException("kernel " + name + ": cannot read parameter '" + params.get(i)
                            + "'");
                }
                String type = p.group(1);
                char kind = type.contains("*") ? 'p' : type.equals("int") ? 'i' : type.equals("float") ? 'f' : '?';
                if (kind == '?') {
                    throw new IllegalStateException("kernel " + name + ": parameter type '" + type
                            + "' is not emulated");
                }
                kinds.append(kind);
                args.add("*(" + type + "*) a[" + i + "]");
            }
            boolean barrier = body.contains("emu_barrier") || body.contains("grid_barrier");
            calls.append("static void run_").append(name).append("(void** a) {\n    (void) a;\n    ").append(name)
                    .append('(').append(String.join(", ", args)).append(");\n}\n\n");
            defaults.append("#ifndef STATIC_SHARED_").append(name).append("\n#define STATIC_SHARED_").append(name)
                    .append(" 0\n#endif\n");
            entries.append("    {\"").append(name).append("\", run_").append(name).append(", ").append(params.size())
                    .append(", \"").append(kinds).append("\", ").append(barrier ? 1 : 0).append(", STATIC_SHARED_")
                    .append(name).append("},\n");
            found.add(name);
        }
        Set<String> expected = new TreeSet<>(Arrays.asList(KernelSource.KERNELS));
        if (!found.equals(expected)) {
            throw new IllegalStateException("the preprocessed kernels are " + found + ", KernelSource lists "
                    + expected);
        }
        return "/* Generated by EmulatedCuda from cells.c's preprocessed signatures. */\n"
                + "#include \"prelude_emulated.h\"\n#include \"cells.c\"\n#include \"shared_sizes.h\"\n"
                + defaults + "\n" + calls
                + "const struct emu_kernel emu_kernels[] = {\n" + entries + "};\n"
                + "const int emu_kernel_count = " + found.size() + ";\n";
    }

    /** The index of the bracket closing the one at {@code open}. */
    private static int matching(String s, int open, char left, char right) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == left) {
                depth++;
            } else if (c == right && --depth == 0) {
                return i;
            }
        }
        throw new IllegalStateException("unbalanced " + left + " at " + open);
    }

    private static void copy(Class<?> owner, String resource, Path to) throws IOException {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " of " + owner.getName() + " is missing");
            }
            Files.copy(in, to);
        }
    }

    /** Runs the compiler in {@code dir}; its standard output, or an exception with everything it printed. */
    private static String compile(Path dir, String... command) throws IOException, InterruptedException {
        Path log = dir.resolve("cc.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectError(log.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + Files.readString(log) + out);
        }
        return out;
    }
}
