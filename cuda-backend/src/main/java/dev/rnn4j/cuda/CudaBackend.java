package dev.rnn4j.cuda;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.BackendUnavailableException;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.DeviceFailureException;
import dev.rnn4j.DeviceInfo;
import dev.rnn4j.DeviceOutOfMemoryException;
import dev.rnn4j.ElementType;
import dev.rnn4j.kernels.KernelSource;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.DirectFloats;
import dev.rnn4j.spi.Primitives;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUDA backend on JCuda's driver API: the device's primary context (made current on every thread that
 * enqueues), one stream, the shared kernels from the fatbin the build made with nvcc, GEMM through cuBLAS bound to
 * the stream (JCublas 12, else libcublas itself through JNA, as on CUDA-13-only machines) or, where neither loads,
 * the shared tiled kernel. Transfers happen only at upload and download, through pinned host memory
 * ({@link PinnedStaging}) where the driver grants it: an upload is then enqueued on the stream like everything
 * else, and only a download waits.
 */
final class CudaBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);

    private final CudaDevices.Device info;
    private final int driverVersion;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private boolean contextRetained;
    /**
     * Why the context was lost (a sticky error seen), or null. Once set, every call that would run work refuses, and
     * close frees nothing one by one: the memory goes with the context.
     */
    private volatile String lostBecause;
    private StreamHandle stream;
    private CUmodule module;
    private final Map<String, CUfunction> functions = new HashMap<>();
    /** cuBLAS, through JCublas 12 or libcublas itself; null where neither loads (the tiled kernel runs). */
    private DeviceGemm cublas;
    private String withoutCublas;
    private CudaPrimitives primitives;
    /** Pinned host halves for transfers, or null where the driver refused page-locked memory. */
    private PinnedStaging staging;
    /** Why transfers are pageable, or null. */
    private String withoutPinned;
    private final Set<CudaBuffer> live = Collections.newSetFromMap(new IdentityHashMap<>());

    /** The system property that sends GEMMs to the tiled kernel ({@code tiled}) when the options do not say. */
    static final String GEMM_PROPERTY = "rnn4j.cuda.gemm";
    /** The system property that turns CUDA graphs on ({@code true}) when the options do not say. */
    static final String GRAPHS_PROPERTY = "rnn4j.cuda.graphs";

    /** As {@code options} say, each unset option as its system property says. */
    CudaBackend(BackendOptions options) {
        this(options, options.gemm() != null ? options.gemm() == BackendOptions.Gemm.LIBRARY
                        : !"tiled".equalsIgnoreCase(System.getProperty(GEMM_PROPERTY)),
                options.stepForm() != null ? StepForm.valueOf(options.stepForm().name())
                        : StepForm.chosen(StepForm.FUSED),
                options.graphs() != null ? options.graphs() : Boolean.getBoolean(GRAPHS_PROPERTY));
    }

    /** @param useCublas whether GEMMs go to cuBLAS where it loads, else to the tiled kernel */
    CudaBackend(BackendOptions options, boolean useCublas) {
        this(options, useCublas, StepForm.chosen(StepForm.FUSED));
    }

    /**
     * @param useCublas whether GEMMs go to cuBLAS where it loads, else to the tiled kernel
     * @param stepForm  how small-batch forward steps run (fused unless {@code -Drnn4j.kernels.stepForm} says
     *                  otherwise: the persistent form waits for a GPU run to measure it)
     */
    CudaBackend(BackendOptions options, boolean useCublas, StepForm stepForm) {
        this(options, useCublas, stepForm, Boolean.getBoolean(GRAPHS_PROPERTY));
    }

    /**
     * @param useCublas whether GEMMs go to cuBLAS where it loads, else to the tiled kernel
     * @param stepForm  how small-batch forward steps run
     * @param graphs    whether repeated batches of launches run as CUDA graphs ({@link LaunchGraphs}; off unless
     *                  {@code -Drnn4j.cuda.graphs=true}, until a GPU has measured them)
     */
    CudaBackend(BackendOptions options, boolean useCublas, StepForm stepForm, boolean graphs) {
        CudaDevices.Survey survey = CudaDevices.survey();
        if (survey.failure() != null || survey.devices().isEmpty()) {
            throw new BackendUnavailableException(CudaBackendProvider.NAME, survey.failure() == null ? "no CUDA device"
                    : CudaFailures.isSticky(survey.failure()) ? "the CUDA driver answers " + survey.failure()
                    + ", from an earlier fault in this process; " + CudaFailures.RECOVERY
                    : "the CUDA driver failed: " + survey.failure());
        }
        this.info = choose(options, survey.devices());
        this.driverVersion = survey.driverVersion();
        byte[] fatbin = KernelSource.cudaFatbin();
        if (fatbin == null) {
            throw new BackendUnavailableException(CudaBackendProvider.NAME, "this build of rnn4j-kernels has no CUDA "
                    + "fatbin (it was built without nvcc); " + KernelSource.FATBIN_REMEDY);
        }
        JCudaDriver.setExceptionsEnabled(true);
        try {
            JCudaDriver.cuDeviceGet(device, info.index());
            JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
            contextRetained = true;
            makeCurrent();
            stream = new StreamHandle();
            JCudaDriver.cuStreamCreate(stream, 0);
            try {
                staging = new PinnedStaging(stream);
            } catch (RuntimeException e) {
                // The driver refusing page-locked memory, or JCuda not mapping it: transfers still work, from
                // pageable memory with the host waiting, slower, never wrong.
                withoutPinned = Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
                LOG.warn("rnn4j cuda: no page-locked host memory for transfers ({}); copying from pageable memory",
                        withoutPinned);
            }
            module = new CUmodule();
            try {
                JCudaDriver.cuModuleLoadData(module, fatbin);
            } catch (CudaException e) {
                module = null;
                throw new BackendUnavailableException(CudaBackendProvider.NAME, "the kernels' fatbin (SASS sm_80 and "
                        + "sm_90, PTX compute_75) does not load on " + info + ": " + e.getMessage(), e);
            }
            for (String k : KernelSource.KERNELS) {
                CUfunction f = new CUfunction();
                JCudaDriver.cuModuleGetFunction(f, module, k);
                functions.put(k, f);
            }
            if (useCublas) {
                // JCublas where libcublas.so.12 is (CUDA 12), else libcublas itself (CUDA 13 has only .so.13).
                String[] why = new String[1];
                cublas = CublasGemm.open(stream, why);
                if (cublas == null) {
                    String jcublas = why[0];
                    cublas = NativeCublasGemm.open(stream.address(), why);
                    withoutCublas = cublas == null ? jcublas + "; " + why[0] : null;
                }
            } else {
                withoutCublas = "the tiled kernel was asked for";
            }
            primitives = new CudaPrimitives(this, functions, cublas, stepForm, graphs);
        } catch (CudaException e) {
            closeQuietly(e);
            DeviceFailureException f = CudaFailures.of("start", info.name(), e);
            throw new BackendUnavailableException(CudaBackendProvider.NAME, f.getMessage(), e);
        } catch (RuntimeException | Error e) {
            closeQuietly(e);
            throw e;
        }
    }

    private static CudaDevices.Device choose(BackendOptions options, List<CudaDevices.Device> all) {
        String wanted = options.device();
        if (wanted == null || wanted.isEmpty()) {
            return all.get(0);
        }
        int index = options.deviceIndex();
        if (index >= 0) {
            if (index >= all.size()) {
                throw new BackendUnavailableException(CudaBackendProvider.NAME, "no CUDA device " + index
                        + "; devices: " + all);
            }
            return all.get(index);
        }
        for (CudaDevices.Device d : all) {
            if (d.name().toLowerCase(Locale.ROOT).contains(wanted.toLowerCase(Locale.ROOT))) {
                return d;
            }
        }
        throw new BackendUnavailableException(CudaBackendProvider.NAME, "no CUDA device named like '" + wanted
                + "'; devices: " + all);
    }

    /** Closes after a failed start, keeping the start's failure as the one thrown. */
    private void closeQuietly(Throwable failure) {
        try {
            close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * {@code e} from {@code call} as rnn4j's exception; an error CUDA makes sticky marks the backend lost, after
     * which it refuses work ({@link #checkUsable}) and closes without touching the driver's objects one by one.
     */
    DeviceFailureException failure(String call, CudaException e) {
        DeviceFailureException f = CudaFailures.of(call, info.name(), e);
        if (!f.backendUsable() && lostBecause == null) {
            lostBecause = f.getMessage();
        }
        return f;
    }

    /** Whether a sticky error has made the context unusable. */
    boolean lost() {
        return lostBecause != null;
    }

    /** Throws if a sticky error has made the context unusable: no work may run, no result can be trusted. */
    void checkUsable() {
        String why = lostBecause;
        if (why != null) {
            throw new DeviceFailureException("the cuda backend on " + info.name() + " cannot run more work: an "
                    + "earlier call failed (" + why + ")", false, null);
        }
    }

    /** Makes this backend's context current on the calling thread (each thread that enqueues needs it). */
    void makeCurrent() {
        JCudaDriver.cuCtxSetCurrent(context);
    }

    CUstream stream() {
        return stream;
    }

    /** One of the device's {@code CU_DEVICE_ATTRIBUTE_*} values. */
    int attribute(int attribute) {
        int[] v = new int[1];
        JCudaDriver.cuDeviceGetAttribute(v, attribute, device);
        return v[0];
    }

    @Override
    public String name() {
        return CudaBackendProvider.NAME;
    }

    @Override
    public DeviceInfo device() {
        return new DeviceInfo(info.name(), info.memoryBytes(), info.multiprocessors(), "compute capability "
                + info.major() + "." + info.minor() + ", driver " + driverVersion / 1000 + "." + driverVersion % 1000 / 10
                + "; GEMM: " + (cublas != null ? cublas.description() : "rnn4j tiled kernel (" + withoutCublas + ")")
                + "; " + primitives.stepForm().description() + "; " + primitives.launchDescription()
                + (staging != null ? "; transfers through pinned host memory"
                : "; transfers from pageable memory (" + withoutPinned + ")"));
    }

    @Override
    public DeviceBuffer allocate(long floats) {
        return alloc(floats, ElementType.FLOAT32);
    }

    @Override
    public DeviceBuffer allocateInts(long ints) {
        return alloc(ints, ElementType.INT32);
    }

    private synchronized DeviceBuffer alloc(long n, ElementType type) {
        if (n < 0) {
            throw new IllegalArgumentException("negative size " + n);
        }
        if (n > Integer.MAX_VALUE) {
            throw new DeviceOutOfMemoryException(n * 4, "the cuda backend indexes buffers with 32-bit offsets: " + n
                    + " elements exceed 2^31 - 1", null);
        }
        long bytes = Math.max(4, n * 4);
        checkUsable();
        DevicePointer p = new DevicePointer();
        try {
            makeCurrent();
            JCudaDriver.cuMemAlloc(p, bytes);
        } catch (CudaException e) {
            if (!String.valueOf(e.getMessage()).startsWith("CUDA_ERROR_OUT_OF_MEMORY")) {
                throw failure("allocation of " + bytes + " bytes", e);
            }
            long[] free = new long[1];
            long[] total = new long[1];
            JCudaDriver.cuMemGetInfo(free, total);
            throw new DeviceOutOfMemoryException(bytes, info.name() + " could not allocate " + bytes + " bytes ("
                    + e.getMessage() + "; " + (free[0] >> 20) + " MiB free of " + (total[0] >> 20) + " MiB)", e);
        }
        CudaBuffer b = new CudaBuffer(this, p, n, type);
        live.add(b);
        return b;
    }

    void released(CudaBuffer b) {
        live.remove(b);
    }

    /**
     * Issues the launches recorded and not yet issued (with CUDA graphs on, they wait for the host's next touch of
     * the stream). Called before the backend's lock is taken: the primitives' lock comes first, as when they
     * allocate or capture a graph.
     */
    void flushLaunches() {
        CudaPrimitives p = primitives;
        if (p != null) {
            p.flush();
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n) {
        flushLaunches();
        synchronized (this) {
            try {
                copyIn(src, null, srcOffset, src.length, dst, dstOffset, n);
            } catch (CudaException e) {
                throw failure("upload", e);
            }
        }
    }

    @Override
    public void uploadInts(int[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n) {
        flushLaunches();
        synchronized (this) {
            try {
                copyIn(null, src, srcOffset, src.length, dst, dstOffset, n);
            } catch (CudaException e) {
                throw failure("upload", e);
            }
        }
    }

    /**
     * From a direct buffer in the machine's byte order, the driver copies straight out of it (the host waits for the
     * stream first, as for any pageable copy); other buffers go through an array.
     */
    @Override
    public void upload(FloatBuffer src, DeviceBuffer dst, long dstOffset, int n) {
        FloatBuffer direct = DirectFloats.window(src, n);
        if (direct == null) {
            Backend.super.upload(src, dst, dstOffset, n);
            return;
        }
        flushLaunches();
        synchronized (this) {
            try {
                CudaBuffer b = transferTarget(dst, dstOffset, n, 0, n);
                if (b != null) {
                    copyInPageable(Pointer.to(direct), 0, b, dstOffset, n);
                }
            } catch (CudaException e) {
                throw failure("upload", e);
            }
        }
    }

    /** Into a direct buffer in the machine's byte order, the driver copies straight into it. */
    @Override
    public void download(DeviceBuffer src, long srcOffset, FloatBuffer dst, int n) {
        FloatBuffer direct = DirectFloats.window(dst, n);
        if (direct == null) {
            Backend.super.download(src, srcOffset, dst, n);
            return;
        }
        flushLaunches();
        synchronized (this) {
            try {
                CudaBuffer b = transferTarget(src, srcOffset, n, 0, n);
                if (b != null) {
                    JCudaDriver.cuStreamSynchronize(stream);
                    JCudaDriver.cuMemcpyDtoH(Pointer.to(direct), b.ptr().withByteOffset(srcOffset * 4), (long) n * 4);
                }
            } catch (CudaException e) {
                throw failure("download", e);
            }
        }
    }

    /** An upload from whichever of {@code floats} and {@code ints} is not null. */
    private void copyIn(float[] floats, int[] ints, int srcOffset, int srcLength, DeviceBuffer dst, long dstOffset,
                        int n) {
        CudaBuffer b = transferTarget(dst, dstOffset, n, srcOffset, srcLength);
        if (b == null) {
            return;
        }
        if (staging == null) {
            copyInPageable(floats != null ? Pointer.to(floats) : Pointer.to(ints), srcOffset, b, dstOffset, n);
        } else if (floats != null) {
            staging.upload(floats, srcOffset, b.ptr().withByteOffset(dstOffset * 4), n);
        } else {
            staging.upload(ints, srcOffset, b.ptr().withByteOffset(dstOffset * 4), n);
        }
    }

    /**
     * The device buffer of a transfer of {@code n} elements, both ranges checked and the context made current; null
     * when there is nothing to copy.
     */
    private CudaBuffer transferTarget(DeviceBuffer device, long deviceOffset, int n, int hostOffset, int hostLength) {
        CudaBuffer b = checked(device, deviceOffset, n);
        Objects.checkFromIndexSize(hostOffset, n, hostLength);
        if (n == 0) {
            return null;
        }
        checkUsable();
        makeCurrent();
        return b;
    }

    /** Without pinned staging: the host waits for the stream, then the driver copies from the Java array. */
    private void copyInPageable(Pointer host, int hostOffset, CudaBuffer b, long dstOffset, int n) {
        JCudaDriver.cuStreamSynchronize(stream); // the copy must not overtake work enqueued before it
        JCudaDriver.cuMemcpyHtoD(b.ptr().withByteOffset(dstOffset * 4), host.withByteOffset((long) hostOffset
                * Sizeof.FLOAT), (long) n * 4);
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int n) {
        flushLaunches();
        synchronized (this) {
            try {
                CudaBuffer b = transferTarget(src, srcOffset, n, dstOffset, dst.length);
                if (b == null) {
                    return;
                }
                if (staging != null) {
                    staging.download(b.ptr().withByteOffset(srcOffset * 4), dst, dstOffset, n);
                    return;
                }
                JCudaDriver.cuStreamSynchronize(stream);
                JCudaDriver.cuMemcpyDtoH(Pointer.to(dst).withByteOffset((long) dstOffset * Sizeof.FLOAT),
                        b.ptr().withByteOffset(srcOffset * 4), (long) n * 4);
            } catch (CudaException e) {
                throw failure("download", e);
            }
        }
    }

    private CudaBuffer checked(DeviceBuffer buffer, long offset, int n) {
        CudaBuffer b = CudaBuffer.of(buffer, this);
        if (offset < 0 || n < 0 || offset + n > b.size()) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + (offset + n) + ") outside " + b);
        }
        return b;
    }

    @Override
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("gemm", cublas != null ? "library (" + cublas.description() + ")" : "tiled (" + withoutCublas + ")");
        s.put("stepForm", primitives.stepForm().name().toLowerCase(Locale.ROOT));
        s.put("graphs", Boolean.toString(primitives.graphs() != null));
        s.put("transfers", staging != null ? "pinned" : "pageable (" + withoutPinned + ")");
        return s;
    }

    @Override
    public Primitives primitives() {
        return primitives;
    }

    @Override
    public dev.rnn4j.spi.TrainingPrimitives trainingPrimitives() {
        return primitives.training();
    }

    @Override
    public void finish() {
        flushLaunches();
        synchronized (this) {
            checkUsable();
            try {
                makeCurrent();
                JCudaDriver.cuStreamSynchronize(stream);
            } catch (CudaException e) {
                throw failure("synchronisation", e);
            }
        }
    }

    /**
     * Frees everything, each step tried even when one before it failed; throws the first failure after, unless the
     * context is lost, when failures are what the driver answers and the memory goes with the context.
     */
    @Override
    public void close() {
        // The primitives' lock first, as everywhere: closing buffers flushes launches, which takes it.
        Object outer = primitives != null ? primitives : this;
        synchronized (outer) {
            List<RuntimeException> failures = new ArrayList<>();
            attempt(failures, this::flushLaunches);
            synchronized (this) {
                release(failures);
            }
            if (!failures.isEmpty()) {
                if (lost()) {
                    LOG.debug("rnn4j cuda: closing a backend whose context was lost: {}", failures);
                } else {
                    RuntimeException first = failures.get(0);
                    failures.subList(1, failures.size()).forEach(first::addSuppressed);
                    throw first;
                }
            }
        }
    }

    private void attempt(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (CudaException e) {
            failures.add(failure("close", e));
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    private void release(List<RuntimeException> failures) {
        if (contextRetained) {
            attempt(failures, this::makeCurrent);
        }
        for (CudaBuffer b : new ArrayList<>(live)) {
            attempt(failures, b::close);
        }
        if (primitives != null) {
            attempt(failures, primitives::close);
            primitives = null;
        }
        if (cublas != null) {
            attempt(failures, cublas::close);
            cublas = null;
        }
        if (staging != null) {
            attempt(failures, staging::close);
            staging = null;
        }
        if (module != null) {
            CUmodule m = module;
            attempt(failures, () -> JCudaDriver.cuModuleUnload(m));
            module = null;
        }
        if (stream != null) {
            CUstream st = stream;
            attempt(failures, () -> JCudaDriver.cuStreamSynchronize(st));
            attempt(failures, () -> JCudaDriver.cuStreamDestroy(st));
            stream = null;
        }
        if (contextRetained) {
            attempt(failures, () -> JCudaDriver.cuDevicePrimaryCtxRelease(device));
            contextRetained = false;
        }
    }
}
