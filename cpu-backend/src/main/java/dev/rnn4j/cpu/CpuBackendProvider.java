package dev.rnn4j.cpu;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.BackendOptions.Activations;
import dev.rnn4j.DeviceInfo;
import dev.rnn4j.internal.host.HostBackend;
import dev.rnn4j.internal.host.HostTrainingPrimitives;
import dev.rnn4j.spi.Availability;
import dev.rnn4j.spi.BackendProvider;
import dev.rnn4j.spi.ProbeCache;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The CPU backend's provider. Always available: with the Vector API kernels where {@code jdk.incubator.vector} is
 * readable, otherwise (or with {@code -Drnn4j.cpu.scalar=true}) with their scalar twins, and the probe says which
 * and why. Threads: one pool per JVM, sized to the available processors or to {@code -Drnn4j.cpu.threads=N}
 * (read when the first CPU backend opens). Activations: {@code -Drnn4j.cpu.activations=exact} makes every result
 * bit-reproducible (see {@link VectorMath}); the default, {@code intrinsic}, is faster and may differ in the last bit
 * before and after the JIT compiles the cell kernels.
 */
public final class CpuBackendProvider implements BackendProvider {
    /** The name users select it by. */
    public static final String NAME = "cpu";
    /** System property forcing the scalar kernels. */
    public static final String SCALAR_PROPERTY = "rnn4j.cpu.scalar";
    /** System property setting the thread count. */
    public static final String THREADS_PROPERTY = "rnn4j.cpu.threads";
    /** System property choosing the vector kernels' sigmoid and tanh: {@code intrinsic} (default) or {@code exact}. */
    public static final String ACTIVATIONS_PROPERTY = "rnn4j.cpu.activations";
    /**
     * System property ({@code true} or {@code false}, default false) making a sequence's results independent of
     * the batch it runs in: the vector GEMM computes every row with the same kernel, so a row has the same bits in
     * a batch of one as in a batch of a thousand (with exact activations, a serving stream's results are then
     * exactly its results run alone). Costs speed at batches under eight, where the fast paths it gives up work.
     */
    public static final String BATCH_INVARIANT_PROPERTY = "rnn4j.cpu.batchInvariant";
    /**
     * System property ({@code true} or {@code false}, default true): whether a layer direction's forward steps run
     * as one task whose threads each own a slice of the hidden units and meet once per step, rather than step by
     * step with the pool handed each step's GEMM. Same results to the bit either way; false is for comparison.
     */
    public static final String STEP_LOOP_PROPERTY = "rnn4j.cpu.stepLoop";

    private static final ProbeCache PROBE = new ProbeCache(CpuBackendProvider::probeOnce);
    private static final Map<Integer, WorkerPool> POOLS = new HashMap<>();
    /** A one-part pool (no threads: the caller runs everything) for the single-threaded halves of paired calls. */
    private static final WorkerPool INLINE = new WorkerPool(1);

    private final boolean forceScalar;
    /** A pool of its own instead of the shared one (tests pin the thread count), or null. */
    private final WorkerPool ownPool;
    /** The fewest multiply-adds in a step's GEMM for which a layer's forward steps run as one step loop. */
    private final long minLoopWork;

    /** The provider ServiceLoader instantiates. */
    public CpuBackendProvider() {
        this(false);
    }

    /** A provider whose backends always use the scalar kernels (tests run the suite on both). */
    CpuBackendProvider(boolean forceScalar) {
        this(forceScalar, null, VectorGemm.PARALLEL_THRESHOLD);
    }

    /** A provider whose backends run on a pool of exactly {@code threads} parts, whatever the machine has. */
    CpuBackendProvider(boolean forceScalar, int threads) {
        this(forceScalar, new WorkerPool(threads), VectorGemm.PARALLEL_THRESHOLD);
    }

    /**
     * A provider of vector-kernel backends on a pool of exactly {@code threads} parts whose step loop takes every
     * layer's forward steps with at least {@code minLoopWork} multiply-adds in a step's GEMM (0: all of them, which
     * is how tests put the loop through the conformance suite).
     */
    CpuBackendProvider(int threads, long minLoopWork) {
        this(false, new WorkerPool(threads), minLoopWork);
    }

    private CpuBackendProvider(boolean forceScalar, WorkerPool ownPool, long minLoopWork) {
        this.forceScalar = forceScalar;
        this.ownPool = ownPool;
        this.minLoopWork = minLoopWork;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public Availability probe() {
        return PROBE.get();
    }

    static Availability probeOnce() {
        String threads;
        try {
            threads = threadCount() + " threads";
        } catch (IllegalArgumentException e) {
            return Availability.unavailable(e.getMessage(), "set -D" + THREADS_PROPERTY + " to a positive integer");
        }
        try {
            RegisterFile.wide(System.getProperty(RegisterFile.PROPERTY), System.getProperty("os.arch"), 0);
        } catch (IllegalArgumentException e) {
            return Availability.unavailable(e.getMessage(), "set -D" + RegisterFile.PROPERTY + " to 16 or 32, or leave "
                    + "it unset");
        }
        try {
            batchInvariant();
        } catch (IllegalArgumentException e) {
            return Availability.unavailable(e.getMessage(), "set -D" + BATCH_INVARIANT_PROPERTY + " to true or false");
        }
        try {
            stepLoop();
        } catch (IllegalArgumentException e) {
            return Availability.unavailable(e.getMessage(), "set -D" + STEP_LOOP_PROPERTY + " to true or false");
        }
        try {
            exactActivations();
        } catch (IllegalArgumentException e) {
            return Availability.unavailable(e.getMessage(), "set -D" + ACTIVATIONS_PROPERTY + " to intrinsic or exact");
        }
        return Availability.available(kernelChoice().description() + ", " + threads);
    }

    /** Which kernels this JVM gets, and why. */
    record KernelChoice(boolean vector, String description) {
    }

    static KernelChoice kernelChoice() {
        if (Boolean.getBoolean(SCALAR_PROPERTY)) {
            return new KernelChoice(false, "scalar kernels (-D" + SCALAR_PROPERTY + "=true)");
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return new KernelChoice(false, "scalar kernels: jdk.incubator.vector is not readable (start the JVM "
                    + "with --add-modules jdk.incubator.vector for the vector kernels)");
        }
        try {
            return new KernelChoice(true, "Vector API kernels, " + VectorKernels.describe() + (exactActivations()
                    ? ", exact activations (bit-reproducible)" : "") + (batchInvariant()
                    ? ", batch-invariant GEMM" : ""));
        } catch (LinkageError e) {
            return new KernelChoice(false, "scalar kernels: the Vector API failed to load (" + e + ")");
        }
    }

    /**
     * Whether the JIT compiles multiply-adds to FMA instructions: HotSpot's {@code UseFMA}, which it sets from the CPU
     * (and clears under {@code -XX:UseAVX=0}). A JVM that does not say is taken to have them.
     */
    static boolean hardwareFma() {
        try {
            return !"false".equals(java.lang.management.ManagementFactory
                    .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption("UseFMA").getValue());
        } catch (RuntimeException | LinkageError e) {
            return true;
        }
    }

    /**
     * Whether {@code -Drnn4j.cpu.activations} asks for the arithmetic-only sigmoid and tanh.
     *
     * @throws IllegalArgumentException for a value other than {@code intrinsic} or {@code exact}
     */
    static boolean exactActivations() {
        String v = System.getProperty(ACTIVATIONS_PROPERTY, "intrinsic").trim();
        if (v.equals("exact") || v.equals("intrinsic")) {
            return v.equals("exact");
        }
        throw new IllegalArgumentException("-D" + ACTIVATIONS_PROPERTY + "=" + v + " is neither 'intrinsic' nor 'exact'");
    }

    /**
     * Whether {@code -Drnn4j.cpu.batchInvariant} asks for batch-invariant results.
     *
     * @throws IllegalArgumentException for a value other than {@code true} or {@code false}
     */
    static boolean batchInvariant() {
        return booleanProperty(BATCH_INVARIANT_PROPERTY, false);
    }

    /**
     * Whether {@code -Drnn4j.cpu.stepLoop} leaves the step loop on.
     *
     * @throws IllegalArgumentException for a value other than {@code true} or {@code false}
     */
    static boolean stepLoop() {
        return booleanProperty(STEP_LOOP_PROPERTY, true);
    }

    /**
     * A system property that must be {@code true} or {@code false} (spaces around it ignored), or
     * {@code otherwise} when unset.
     *
     * @throws IllegalArgumentException for any other value, naming the property
     */
    private static boolean booleanProperty(String name, boolean otherwise) {
        String v = System.getProperty(name, Boolean.toString(otherwise)).trim();
        if (v.equals("true") || v.equals("false")) {
            return v.equals("true");
        }
        throw new IllegalArgumentException("-D" + name + "=" + v + " is neither 'true' nor 'false'");
    }

    static int threadCount() {
        String v = System.getProperty(THREADS_PROPERTY);
        if (v == null || v.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + THREADS_PROPERTY + "=" + v + " is not a positive integer");
    }

    /**
     * The pool of {@code threads} parts: one per distinct count in the JVM, shared by every backend asking for it and
     * never closed (its threads are daemons that park when idle), so opening and closing backends creates no threads.
     */
    private static synchronized WorkerPool pool(int threads) {
        return POOLS.computeIfAbsent(threads, WorkerPool::new);
    }

    @Override
    public Backend open(BackendOptions options) {
        if (options.device() != null && options.deviceIndex() != 0) {
            throw new IllegalArgumentException("the cpu backend has one device, 'cpu:0'; got '" + options.device() + "'");
        }
        Availability a = probe();
        if (!a.available()) {
            throw dev.rnn4j.BackendUnavailableException.of(NAME, a);
        }
        WorkerPool p = ownPool != null ? ownPool : pool(options.threads() != null ? options.threads() : threadCount());
        KernelChoice k = forceScalar ? new KernelChoice(false, "scalar kernels (forced)") : kernelChoice();
        boolean invariant = options.batchInvariant() != null ? options.batchInvariant() : batchInvariant();
        boolean loopOn = options.stepLoop() != null ? options.stepLoop() : stepLoop();
        Activations activations = activations(options, k.vector());
        // The lane GEMMs are single-threaded, for the halves of paired calls (see CpuPrimitives) and the parts of
        // a step loop.
        CpuPrimitives primitives;
        if (k.vector()) {
            CellKernels cells = VectorKernels.cells();
            StepLoop loop = p.parts() > 1 && loopOn ? VectorKernels.stepLoop(p, INLINE, cells, minLoopWork, invariant)
                    : null;
            primitives = new CpuPrimitives(p, VectorKernels.gemm(p, invariant),
                    new Gemm[] {VectorKernels.gemm(INLINE, invariant), VectorKernels.gemm(INLINE, invariant)}, cells,
                    loop);
        } else {
            primitives = new CpuPrimitives(p, new ScalarGemm(p),
                    new Gemm[] {new ScalarGemm(INLINE), new ScalarGemm(INLINE)}, new ScalarCells());
        }
        int threads = p.parts();
        String kernels = k.description();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("threads", Integer.toString(threads));
        settings.put("kernels", k.vector() ? "vector" : "scalar");
        settings.put("activations", activations.name().toLowerCase(Locale.ROOT));
        settings.put("batchInvariant", Boolean.toString(k.vector() && invariant));
        settings.put("stepLoop", Boolean.toString(primitives.hasStepLoop()));
        return new HostBackend(NAME, () -> device(threads, kernels), primitives, new HostTrainingPrimitives(),
                CpuBuffer::new, settings);
    }

    /**
     * The activations this backend computes with. The vector kernels compile the JVM's choice
     * ({@code -Drnn4j.cpu.activations}) as a constant, so an option asking for the other one is refused; the scalar
     * kernels compute exactly either way.
     *
     * @throws IllegalArgumentException when {@code options} asks for what this JVM's vector kernels do not compute
     */
    static Activations activations(BackendOptions options, boolean vector) {
        if (!vector) {
            return Activations.EXACT;
        }
        Activations jvm = VectorCells.EXACT ? Activations.EXACT : Activations.INTRINSIC;
        if (options.activations() != null && options.activations() != jvm) {
            throw new IllegalArgumentException("the cpu backend computes " + jvm.name().toLowerCase(Locale.ROOT)
                    + " activations in this JVM: its vector kernels compile the choice as a constant, so it is made "
                    + "once per JVM; start the JVM with -D" + ACTIVATIONS_PROPERTY + "="
                    + options.activations().name().toLowerCase(Locale.ROOT) + " for "
                    + options.activations().name().toLowerCase(Locale.ROOT) + " activations");
        }
        return jvm;
    }

    private static DeviceInfo device(int threads, String kernels) {
        Runtime rt = Runtime.getRuntime();
        return new DeviceInfo(System.getProperty("os.arch") + " CPU, " + threads + " threads", rt.maxMemory(),
                rt.availableProcessors(), kernels);
    }
}
