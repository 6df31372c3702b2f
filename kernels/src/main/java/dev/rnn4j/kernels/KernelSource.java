package dev.rnn4j.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The device kernels' source: one body, in the C subset OpenCL C 1.2 and CUDA C++ share, behind a prelude per
 * dialect. The body is the files {@code sources.list} names, one concern each (the shared codes, the activations,
 * the cell steps, the fused recurrent steps, the GEMM, the driver's moves, the training kernels), concatenated in
 * that order. Backends compile {@link #opencl()} or {@link #cuda()}; the names of the kernels are {@link #KERNELS}.
 */
public final class KernelSource {
    /** Every kernel the body defines. */
    public static final String[] KERNELS = {"cell_forward", "cell_backward", "gru_reset_forward",
        "gru_reset_backward", "gemm_tiled", "fill_floats", "copy_floats", "broadcast_rows", "column_sums",
        "column_sums_of_products", "copy_steps", "copy_rows", "carry_past_end", "softmax_cross_entropy", "squared_error",
        "gather_rows", "scatter_add_rows", "dropout_mask", "multiply_floats", "scale_floats", "sum_of_squares",
        "optimizer_step", "recurrent_forward", "recurrent_sequence"};

    /** The GEMM kernel's work-groups are this many items square. */
    public static final int GEMM_TILE = 16;
    /** ... and each computes a block of C this many elements square ({@code GEMM_BLOCK} in the source). */
    public static final int GEMM_BLOCK = 64;

    /** {@code recurrent_forward}'s work-group size (its {@code STEP_GROUP}). */
    public static final int STEP_GROUP = 256;
    /** Items of {@code recurrent_forward} that sum one gate row (its {@code STEP_LANES}). */
    public static final int STEP_LANES = 32;
    /** The most rows {@code recurrent_forward} takes (its {@code STEP_MAX_BATCH}). */
    public static final int STEP_MAX_BATCH = 8;
    /**
     * The local memory {@code recurrent_forward} and {@code recurrent_sequence} declare for their partial sums
     * ({@code STEP_MAX_BATCH · STEP_ROW_STRIDE} floats); {@code recurrent_sequence}'s cache of W_hh comes on top.
     */
    public static final int STEP_PARTIAL_BYTES = STEP_MAX_BATCH * (STEP_GROUP / STEP_LANES) * (STEP_LANES + 1) * 4;

    private KernelSource() {
    }

    /** The OpenCL C program. */
    public static String opencl() {
        return resource("prelude_opencl.h") + "\n" + body();
    }

    /** The CUDA C++ translation unit. */
    public static String cuda() {
        return resource("prelude_cuda.h") + "\n" + body();
    }

    /** The dialect-neutral body: the files of {@code sources.list}, in its order. */
    public static String body() {
        StringBuilder b = new StringBuilder();
        for (String line : resource("sources.list").split("\n")) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) {
                b.append(resource(name)).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * The CUDA fatbin the build made with nvcc (SASS for sm_80 and sm_90, PTX for compute_75), or null when this
     * jar was built without nvcc.
     */
    public static byte[] cudaFatbin() {
        try (InputStream in = KernelSource.class.getResourceAsStream("cells.fatbin")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether this jar holds the CUDA fatbin (without reading it). */
    public static boolean hasCudaFatbin() {
        return KernelSource.class.getResource("cells.fatbin") != null;
    }

    /** How to get a fatbin into a build that lacks one. */
    public static final String FATBIN_REMEDY = "rebuild rnn4j on a machine with the CUDA toolkit's nvcc on PATH "
            + "(or RNN4J_NVCC set): mvn -B -DskipTests package";

    /** A short hex digest of a source, for cache keys. */
    public static String digest(String source) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(source.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = KernelSource.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("kernel source " + name + " is missing from the rnn4j-kernels jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
