package dev.rnn4j.cuda;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * SGEMM through libcublas itself, bound with JNA's direct mapping: the path for machines whose CUDA has no
 * {@code libcublas.so.12} (CUDA 13 and later ship {@code libcublas.so.13} alone), which JCublas 12.6's natives
 * require. It needs only five entry points, whose C signatures have not changed since cuBLAS 4 ({@code _v2}
 * names, handle and pointers as machine words, enums as ints), so one binding serves every cuBLAS from 12 on.
 *
 * <p>The binding is made once per JVM, to the first of {@link #candidates} that loads with all five symbols
 * ({@link #load}); then each backend opens its own handle bound to its stream ({@link #open}).
 */
final class NativeCublasGemm implements DeviceGemm {
    /** The library names tried, newest first (Linux sonames, then Windows DLL names). */
    static final List<String> LIBRARIES = List.of("libcublas.so.13", "libcublas.so.12", "cublas64_13",
            "cublas64_12");
    /** Where CUDA installs put libcublas when the dynamic linker is not told (no ld.so.conf entry). */
    private static final List<String> INSTALL_DIRS = List.of("/usr/local/cuda/lib64",
            "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/cuda-13/lib64", "/usr/local/cuda-12/lib64");

    private static final int CUBLAS_OP_N = 0;
    private static final int CUBLAS_OP_T = 1;

    /** The library the binding went to, or null before {@link #load} or where it failed. */
    private static String bound;
    /** Why {@link #load} failed, or null. */
    private static String failure;

    private long handle;
    private final int version;
    /** alpha and beta for cuBLAS's default host pointer mode: read during the call, so reused across calls. */
    private final Memory scalars = new Memory(2 * Float.BYTES);
    private final long alphaAt;
    private final long betaAt;

    /** The direct-mapped entry points; registered by {@link #load}. */
    private static final class Bindings {
        static native int cublasCreate_v2(long[] handle);

        static native int cublasDestroy_v2(long handle);

        static native int cublasSetStream_v2(long handle, long stream);

        static native int cublasGetVersion_v2(long handle, int[] version);

        static native int cublasSgemm_v2(long handle, int transa, int transb, int m, int n, int k, long alpha,
                                         long a, int lda, long b, int ldb, long beta, long c, int ldc);
    }

    /**
     * The libraries to try: only {@code -Drnn4j.cuda.cublas} ({@code property}) where it is set; else
     * {@link #LIBRARIES} by name (the dynamic linker's search: LD_LIBRARY_PATH, its cache), then those names in
     * {@code $CUDA_HOME/lib64}, {@code $CUDA_PATH/lib64} and the usual install directories, where {@code exists}
     * finds them.
     */
    static List<String> candidates(String property, Map<String, String> env, Predicate<Path> exists) {
        if (property != null && !property.isBlank()) {
            return List.of(property.trim());
        }
        List<String> out = new ArrayList<>(LIBRARIES);
        List<String> dirs = new ArrayList<>();
        for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
            String home = env.get(var);
            if (home != null && !home.isBlank()) {
                dirs.add(Path.of(home, "lib64").toString());
            }
        }
        dirs.addAll(INSTALL_DIRS);
        for (String dir : dirs) {
            for (String name : LIBRARIES.subList(0, 2)) {
                Path file = Path.of(dir, name);
                if (exists.test(file) && !out.contains(file.toString())) {
                    out.add(file.toString());
                }
            }
        }
        return out;
    }

    private NativeCublasGemm(long stream) {
        long[] h = new long[1];
        check(Bindings.cublasCreate_v2(h), "cublasCreate");
        handle = h[0];
        try {
            check(Bindings.cublasSetStream_v2(handle, stream), "cublasSetStream");
            int[] v = new int[1];
            check(Bindings.cublasGetVersion_v2(handle, v), "cublasGetVersion");
            version = v[0];
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        alphaAt = com.sun.jna.Pointer.nativeValue(scalars);
        betaAt = alphaAt + Float.BYTES;
    }

    /**
     * Binds to the first of {@code candidates} (library names or paths) that loads with every entry point, once per
     * JVM; later calls return the first call's outcome.
     *
     * @return null when bound, else why not (each candidate's error)
     */
    static synchronized String load(List<String> candidates) {
        if (bound != null || failure != null) {
            return failure;
        }
        List<String> errors = new ArrayList<>();
        for (String name : candidates) {
            NativeLibrary lib;
            try {
                lib = NativeLibrary.getInstance(name);
            } catch (LinkageError e) {
                errors.add(name + ": " + firstLine(e.getMessage()));
                continue;
            }
            try {
                Native.register(Bindings.class, lib);
                bound = lib.getFile() != null ? lib.getFile().getPath() : name;
                return null;
            } catch (LinkageError e) {
                errors.add(name + " lacks a cuBLAS entry point: " + firstLine(e.getMessage()));
            }
        }
        failure = "no libcublas could be bound (" + String.join("; ", errors) + "); put its directory on "
                + "LD_LIBRARY_PATH or name the file with -Drnn4j.cuda.cublas=/path/to/libcublas.so.13";
        return failure;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no reason given";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * A handle bound to the stream at {@code stream} (a {@code CUstream} handle), after {@link #load} of the
     * {@link #candidates} this JVM and machine give; or a reason in {@code whyNot[0]} and null.
     */
    static NativeCublasGemm open(long stream, String[] whyNot) {
        return open(candidates(System.getProperty("rnn4j.cuda.cublas"), System.getenv(), Files::isRegularFile),
                stream, whyNot);
    }

    /** As {@link #open(long, String[])}, binding to {@code candidates} if this JVM has not bound yet. */
    static NativeCublasGemm open(List<String> candidates, long stream, String[] whyNot) {
        try {
            String failed = load(candidates);
            if (failed != null) {
                whyNot[0] = failed;
                return null;
            }
            return new NativeCublasGemm(stream);
        } catch (LinkageError e) {
            // JNA's own native part missing or refused (no writable temporary directory, another libc).
            whyNot[0] = "JNA cannot call native code here: " + firstLine(e.getMessage());
        } catch (RuntimeException e) {
            whyNot[0] = "cuBLAS (" + bound + ") could not start: " + e.getMessage();
        }
        return null;
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, CudaBuffer a, long aOffset,
                      int lda, CudaBuffer b, long bOffset, int ldb, float beta, CudaBuffer c, long cOffset, int ldc) {
        sgemmAt(transA, transB, m, n, k, alpha, a.address() + aOffset * Float.BYTES, lda,
                b.address() + bOffset * Float.BYTES, ldb, beta, c.address() + cOffset * Float.BYTES, ldc);
    }

    /**
     * Row-major {@code C = alpha·op(A)·op(B) + beta·C} at device addresses, through column-major cuBLAS as
     * {@code Cᵀ = op(B)ᵀ·op(A)ᵀ}: B first, with the same flags (a row-major matrix is its transpose column-major).
     */
    void sgemmAt(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                 float beta, long c, int ldc) {
        if (handle == 0) {
            throw new IllegalStateException("cuBLAS handle used after close");
        }
        scalars.setFloat(0, alpha);
        scalars.setFloat(Float.BYTES, beta);
        check(Bindings.cublasSgemm_v2(handle, transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N,
                n, m, k, alphaAt, b, ldb, a, lda, betaAt, c, ldc), "cublasSgemm");
    }

    /** cuBLAS's version number ({@code cublasGetVersion}: major·10000 + minor·100 + patch from cuBLAS 12 on). */
    int version() {
        return version;
    }

    @Override
    public String description() {
        return "cuBLAS " + version / 10000 + "." + version / 100 % 100 + "." + version % 100 + " (" + bound
                + ", called through JNA)";
    }

    @Override
    public void close() {
        if (handle != 0) {
            long h = handle;
            handle = 0;
            check(Bindings.cublasDestroy_v2(h), "cublasDestroy");
        }
    }

    private static void check(int status, String call) {
        if (status != 0) {
            throw new IllegalStateException(call + " failed: " + statusName(status));
        }
    }

    /** cuBLAS's status names ({@code cublasStatus_t}). */
    static String statusName(int status) {
        return switch (status) {
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "cuBLAS status " + status;
        };
    }
}
