package dev.rnn4j;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Options for opening a backend, set in code. Each is unset by default, and an unset option takes the value of its
 * {@code -Drnn4j.*} system property, else the backend's own default; a backend that has no use for an option ignores
 * it. {@code rnn4j info} prints each backend's effective settings ({@link Backend#settings()}).
 *
 * <pre>{@code
 * Backends.open("cpu", BackendOptions.defaults().withThreads(4).withActivations(Activations.EXACT));
 * }</pre>
 *
 * <p>Immutable: each {@code with} method returns a copy.
 */
public final class BackendOptions {
    /** Where the device backends take their matrix products from. */
    public enum Gemm {
        /** The vendor library: cuBLAS on CUDA, CLBlast on OpenCL (the default where it loads). */
        LIBRARY,
        /** rnn4j's own tiled kernel. */
        TILED
    }

    /** How the device backends run a forward step of a small batch. */
    public enum StepForm {
        /** A recurrent GEMM, then the cell kernel. */
        UNFUSED,
        /** One kernel for the recurrent GEMM and the cell. */
        FUSED,
        /** All of a layer direction's steps in one kernel that keeps W_hh on chip. */
        PERSISTENT
    }

    /** How the CPU backend computes sigmoid and tanh. */
    public enum Activations {
        /** The JDK's vector intrinsics: fast; the last bit may change once the JIT compiles the kernels. */
        INTRINSIC,
        /** Adds, multiplies and bit operations only: the same bits always, 12-35% slower on LSTM layers. */
        EXACT
    }

    private static final BackendOptions DEFAULTS = new BackendOptions(null, null, null, null, null, null, null, null,
            null, null);

    private final String device;
    private final Integer threads;
    private final Gemm gemm;
    private final StepForm stepForm;
    private final Path cacheDirectory;
    private final Boolean programCache;
    private final Activations activations;
    private final Boolean batchInvariant;
    private final Boolean stepLoop;
    private final Boolean graphs;

    private BackendOptions(String device, Integer threads, Gemm gemm, StepForm stepForm, Path cacheDirectory,
                           Boolean programCache, Activations activations, Boolean batchInvariant, Boolean stepLoop,
                           Boolean graphs) {
        this.device = device;
        this.threads = threads;
        this.gemm = gemm;
        this.stepForm = stepForm;
        this.cacheDirectory = cacheDirectory;
        this.programCache = programCache;
        this.activations = activations;
        this.batchInvariant = batchInvariant;
        this.stepLoop = stepLoop;
        this.graphs = graphs;
    }

    /** Every option unset: the system properties' values, else each backend's defaults, on the default device. */
    public static BackendOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @param device which device to use: null for the provider's default, a decimal index ({@code "1"}) or, where
     *               the provider supports it, a substring of the device name
     */
    public BackendOptions withDevice(String device) {
        return new BackendOptions(device, threads, gemm, stepForm, cacheDirectory, programCache, activations,
                batchInvariant, stepLoop, graphs);
    }

    /**
     * The CPU backend's thread count (default: {@code -Drnn4j.cpu.threads}, else the available processors). Backends
     * asking for the same count share one set of threads.
     *
     * @throws IllegalArgumentException when {@code threads < 1}
     */
    public BackendOptions withThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        return new BackendOptions(device, threads, gemm, stepForm, cacheDirectory, programCache, activations,
                batchInvariant, stepLoop, graphs);
    }

    /** Where the device backends' matrix products come from (default: {@code -Drnn4j.cuda.gemm} and
     * {@code -Drnn4j.opencl.gemm}, else the library where it loads). */
    public BackendOptions withGemm(Gemm gemm) {
        return new BackendOptions(device, threads, Objects.requireNonNull(gemm, "gemm"), stepForm, cacheDirectory,
                programCache, activations, batchInvariant, stepLoop, graphs);
    }

    /** How the device backends run small-batch forward steps (default: {@code -Drnn4j.kernels.stepForm}, else
     * fused on GPUs). */
    public BackendOptions withStepForm(StepForm stepForm) {
        return new BackendOptions(device, threads, gemm, Objects.requireNonNull(stepForm, "stepForm"), cacheDirectory,
                programCache, activations, batchInvariant, stepLoop, graphs);
    }

    /** Where the OpenCL backend caches compiled programs (default: {@code -Drnn4j.cache.dir}, else
     * {@code $XDG_CACHE_HOME/rnn4j}, else {@code ~/.cache/rnn4j}). */
    public BackendOptions withCacheDirectory(Path cacheDirectory) {
        return new BackendOptions(device, threads, gemm, stepForm, Objects.requireNonNull(cacheDirectory,
                "cacheDirectory"), programCache, activations, batchInvariant, stepLoop, graphs);
    }

    /** Whether the OpenCL backend caches compiled programs on disk (default: {@code -Drnn4j.opencl.cache}, else
     * yes). */
    public BackendOptions withProgramCache(boolean programCache) {
        return new BackendOptions(device, threads, gemm, stepForm, cacheDirectory, programCache, activations,
                batchInvariant, stepLoop, graphs);
    }

    /**
     * How the CPU backend computes sigmoid and tanh (default: {@code -Drnn4j.cpu.activations}, else intrinsic). The
     * kernels compile the choice as a constant, so it holds for the whole JVM: a backend asking for the other one
     * refuses to open and says which property to set.
     */
    public BackendOptions withActivations(Activations activations) {
        return new BackendOptions(device, threads, gemm, stepForm, cacheDirectory, programCache,
                Objects.requireNonNull(activations, "activations"), batchInvariant, stepLoop, graphs);
    }

    /** Whether every GEMM row of the CPU backend takes the same kernel whatever the batch, so a sequence has the
     * same bits alone and in any batch (default: {@code -Drnn4j.cpu.batchInvariant}, else no). */
    public BackendOptions withBatchInvariant(boolean batchInvariant) {
        return new BackendOptions(device, threads, gemm, stepForm, cacheDirectory, programCache, activations,
                batchInvariant, stepLoop, graphs);
    }

    /** Whether the CPU backend runs a layer's forward steps as one task on two or more threads (default:
     * {@code -Drnn4j.cpu.stepLoop}, else yes). */
    public BackendOptions withStepLoop(boolean stepLoop) {
        return new BackendOptions(device, threads, gemm, stepForm, cacheDirectory, programCache, activations,
                batchInvariant, stepLoop, graphs);
    }

    /** Whether the CUDA backend replays repeated batches of launches as CUDA graphs (default:
     * {@code -Drnn4j.cuda.graphs}, else no). */
    public BackendOptions withGraphs(boolean graphs) {
        return new BackendOptions(device, threads, gemm, stepForm, cacheDirectory, programCache, activations,
                batchInvariant, stepLoop, graphs);
    }

    /** The device asked for, or null for the provider's default. */
    public String device() {
        return device;
    }

    /** The device index, or -1 when {@link #device()} is null or not a number. */
    public int deviceIndex() {
        if (device == null || device.isEmpty() || !device.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Integer.parseInt(device);
    }

    /** The thread count asked for, or null. */
    public Integer threads() {
        return threads;
    }

    /** The GEMM source asked for, or null. */
    public Gemm gemm() {
        return gemm;
    }

    /** The step form asked for, or null. */
    public StepForm stepForm() {
        return stepForm;
    }

    /** The program cache's folder asked for, or null. */
    public Path cacheDirectory() {
        return cacheDirectory;
    }

    /** Whether a program cache was asked for, or null. */
    public Boolean programCache() {
        return programCache;
    }

    /** The activations asked for, or null. */
    public Activations activations() {
        return activations;
    }

    /** Whether batch invariance was asked for, or null. */
    public Boolean batchInvariant() {
        return batchInvariant;
    }

    /** Whether the step loop was asked for, or null. */
    public Boolean stepLoop() {
        return stepLoop;
    }

    /** Whether CUDA graphs were asked for, or null. */
    public Boolean graphs() {
        return graphs;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BackendOptions b && Objects.equals(device, b.device) && Objects.equals(threads, b.threads)
                && gemm == b.gemm && stepForm == b.stepForm && Objects.equals(cacheDirectory, b.cacheDirectory)
                && Objects.equals(programCache, b.programCache) && activations == b.activations
                && Objects.equals(batchInvariant, b.batchInvariant) && Objects.equals(stepLoop, b.stepLoop)
                && Objects.equals(graphs, b.graphs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(device, threads, gemm, stepForm, cacheDirectory, programCache, activations,
                batchInvariant, stepLoop, graphs);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("BackendOptions[");
        String sep = "";
        Object[][] all = {{"device", device}, {"threads", threads}, {"gemm", gemm}, {"stepForm", stepForm},
                {"cacheDirectory", cacheDirectory}, {"programCache", programCache}, {"activations", activations},
                {"batchInvariant", batchInvariant}, {"stepLoop", stepLoop}, {"graphs", graphs}};
        for (Object[] kv : all) {
            if (kv[1] != null) {
                s.append(sep).append(kv[0]).append('=').append(kv[1]);
                sep = ", ";
            }
        }
        return s.append(']').toString();
    }
}
