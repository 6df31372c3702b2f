package dev.rnn4j.cuda;

import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.kernels.KernelPrimitives;
import dev.rnn4j.kernels.KernelSource;
import dev.rnn4j.kernels.SequencePlan;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.Transpose;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import jcuda.Pointer;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.JCudaDriver;

/**
 * The CUDA primitives: {@link KernelPrimitives} launching on the backend's stream, none waiting. Launches, cuBLAS
 * products and device copies are recorded into a {@link LaunchBatch} and issued from it: at once, or, with CUDA
 * graphs on ({@link LaunchGraphs}), when the host next touches the stream ({@link #flush}). Issuing fills each
 * argument slot's preallocated value holder and copies the slots into the parameter array the driver reads, one
 * array per argument count, made at its first use, so nothing is allocated per launch (the driver copies the
 * values during the launch call, so the arrays may be refilled right after). GEMMs go to cuBLAS when it loaded,
 * else to the shared tiled kernel; copies to cuMemcpyDtoDAsync.
 */
final class CudaPrimitives extends KernelPrimitives {
    private static final int MAX_ARGS = 64;
    private static final int BLOCK = 256;

    private final CudaBackend backend;
    /** The kernels by index, and each name's index. */
    private final CUfunction[] kernels;
    private final Map<String, Integer> kernelIndex = new HashMap<>();
    private final DeviceGemm cublas;
    /** The dynamic shared memory of the next launch, in bytes (recurrent_sequence's cache of W_hh). */
    private int dynamicBytes;
    /** The dynamic shared memory recurrent_sequence was last allowed, in bytes. */
    private int allowedDynamicBytes;
    /** Whether the device has cooperative launches, which recurrent_sequence's barrier between steps needs. */
    private final boolean cooperative;
    private final int multiprocessors;
    /** The shared memory a block of recurrent_sequence may opt into beyond what it declares itself. */
    private final int sequenceLocalBytes;
    private final int[] occupancy = new int[1];

    private final LaunchBatch batch = new LaunchBatch();
    /** CUDA graphs for repeated batches, or null when launches are issued as they come. */
    private final LaunchGraphs graphs;
    private final StreamIssuer streamIssuer = new StreamIssuer();
    private final Consumer<LaunchBatch> issuer = this::issue;

    private final int[][] ints = new int[MAX_ARGS][1];
    private final float[][] floats = new float[MAX_ARGS][1];
    private final Pointer[] intParams = new Pointer[MAX_ARGS];
    private final Pointer[] floatParams = new Pointer[MAX_ARGS];
    /** Per argument count n: an array of n parameter pointers, and the Pointer to it that the driver is given. */
    private final Pointer[][] paramArrays = new Pointer[MAX_ARGS + 1][];
    private final Pointer[] paramLists = new Pointer[MAX_ARGS + 1];

    /** @param graphs whether repeated batches of launches run as CUDA graphs */
    CudaPrimitives(CudaBackend backend, Map<String, CUfunction> functions, DeviceGemm cublas, StepForm stepForm,
                   boolean graphs) {
        super(backend, stepForm);
        this.backend = backend;
        this.kernels = new CUfunction[KernelSource.KERNELS.length];
        for (int i = 0; i < kernels.length; i++) {
            kernels[i] = functions.get(KernelSource.KERNELS[i]);
            kernelIndex.put(KernelSource.KERNELS[i], i);
        }
        this.cublas = cublas;
        this.graphs = graphs ? new LaunchGraphs(backend.stream()) : null;
        for (int i = 0; i < MAX_ARGS; i++) {
            intParams[i] = Pointer.to(ints[i]);
            floatParams[i] = Pointer.to(floats[i]);
        }
        this.cooperative = backend.attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH) != 0;
        this.multiprocessors = backend.attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        int[] declared = new int[1];
        JCudaDriver.cuFuncGetAttribute(declared, CUfunction_attribute.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES,
                functions.get("recurrent_sequence"));
        this.sequenceLocalBytes = backend.attribute(
                CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN) - declared[0];
    }

    /** How launches are issued, as the backend's description says it. */
    String launchDescription() {
        return graphs != null ? graphs.description() : "launches issued as they come";
    }

    /** The graphs, or null when off (for tests). */
    LaunchGraphs graphs() {
        return graphs;
    }

    @Override
    protected void begin(String name) {
        Integer index = kernelIndex.get(name);
        if (index == null) {
            throw new IllegalStateException("no kernel " + name);
        }
        batch.begin(index);
        dynamicBytes = 0;
    }

    @Override
    protected void arg(int v) {
        batch.arg(LaunchBatch.INT, v, null);
    }

    @Override
    protected void arg(float v) {
        batch.arg(LaunchBatch.FLOAT, Float.floatToRawIntBits(v), null);
    }

    @Override
    protected void bufferArg(DeviceBuffer b) {
        CudaBuffer c = CudaBuffer.of(b, backend);
        batch.arg(LaunchBatch.BUFFER, c.address(), c);
    }

    /** Ends the launch being recorded; issues it at once unless graphs are on. */
    private void recorded(boolean cooperativeLaunch, int gridX, int gridY, int blockX, int blockY, int shared) {
        batch.launch(cooperativeLaunch, gridX, gridY, blockX, blockY, shared);
        issueUnlessDeferred();
    }

    /**
     * Without graphs, what was just recorded is issued at once; with them, at the host's next touch ({@link #flush}).
     */
    private void issueUnlessDeferred() {
        if (graphs == null) {
            flush();
        }
    }

    @Override
    protected void launch(long items) {
        if (items <= 0) {
            batch.cancel();
            return;
        }
        recorded(false, Math.toIntExact((items + BLOCK - 1) / BLOCK), 1, BLOCK, 1, 0);
    }

    @Override
    protected void launchGroups(int groups, int groupSize) {
        if (groups <= 0) {
            batch.cancel();
            return;
        }
        recorded(false, groups, 1, groupSize, 1, 0);
    }

    /** The placeholder int the CUDA prelude declares; the floats themselves are the launch's dynamic shared memory. */
    @Override
    protected void localFloats(int floats) {
        arg(floats);
        dynamicBytes = floats * Float.BYTES;
    }

    /**
     * With every group resident through a cooperative launch, one block per multiprocessor, each with its rows of W_hh
     * in the shared memory a block may opt into; null where the device has no cooperative launch, or the rows do not
     * fit, or the occupancy calculator says such a block would not run.
     */
    @Override
    protected SequencePlan sequencePlan(int gates, int hidden, int k) {
        if (!cooperative) {
            return null;
        }
        SequencePlan plan = SequencePlan.of(gates, hidden, k, multiprocessors, sequenceLocalBytes);
        if (plan == null) {
            return null;
        }
        backend.makeCurrent();
        CUfunction f = kernels[kernelIndex.get("recurrent_sequence")];
        int bytes = plan.localFloats() * Float.BYTES;
        if (bytes > allowedDynamicBytes) {
            JCudaDriver.cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    bytes);
            allowedDynamicBytes = bytes;
        }
        JCudaDriver.cuOccupancyMaxActiveBlocksPerMultiprocessor(occupancy, f, KernelSource.STEP_GROUP, bytes);
        return occupancy[0] >= 1 && plan.groups() <= occupancy[0] * multiprocessors ? plan : null;
    }

    @Override
    protected void launchSequence(SequencePlan plan) {
        recorded(true, plan.groups(), 1, KernelSource.STEP_GROUP, 1, dynamicBytes);
    }

    @Override
    protected void launchTiles(int m, int n) {
        int block = KernelSource.GEMM_BLOCK;
        recorded(false, (n + block - 1) / block, (m + block - 1) / block, KernelSource.GEMM_TILE,
                KernelSource.GEMM_TILE, 0);
    }

    @Override
    public synchronized void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                                  DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb,
                                  float beta, DeviceBuffer c, long cOffset, int ldc) {
        if (cublas != null && m > 0 && n > 0 && k > 0) {
            batch.gemm(transA == Transpose.YES, transB == Transpose.YES, m, n, k, alpha, CudaBuffer.of(a, backend),
                    aOffset, lda, CudaBuffer.of(b, backend), bOffset, ldb, beta, CudaBuffer.of(c, backend), cOffset,
                    ldc);
            issueUnlessDeferred();
            return;
        }
        super.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    @Override
    public synchronized void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long n) {
        if (n <= 0) {
            return;
        }
        batch.copy(CudaBuffer.of(src, backend), srcOffset, CudaBuffer.of(dst, backend), dstOffset, n);
        issueUnlessDeferred();
    }

    /**
     * Issues what was recorded and not yet issued, on the calling thread with the backend's context current. The
     * backend calls this before anything else touches its stream or frees memory, so work runs in the order it was
     * asked for.
     */
    synchronized void flush() {
        if (batch.isEmpty()) {
            return;
        }
        try {
            backend.checkUsable();
            backend.makeCurrent();
            if (graphs != null) {
                // A capture takes whatever any thread enqueues on the stream: the backend's lock keeps its uploads,
                // downloads and frees out until the capture is over (this lock, then the backend's, as ever).
                synchronized (backend) {
                    graphs.submit(batch, issuer);
                }
            } else {
                issue(batch);
            }
        } catch (jcuda.CudaException e) {
            throw backend.failure("issue of recorded work", e);
        } finally {
            batch.clear();
        }
    }

    /** Puts a batch's ops on the stream, in order. */
    private final class StreamIssuer implements LaunchBatch.Issuer {
        @Override
        public void kernel(LaunchBatch batch, boolean cooperativeLaunch, int function, int gridX, int gridY,
                           int blockX, int blockY, int sharedBytes, int firstArg, int argCount) {
            if (paramLists[argCount] == null) {
                paramArrays[argCount] = new Pointer[argCount];
                paramLists[argCount] = Pointer.to(paramArrays[argCount]);
            }
            Pointer[] params = paramArrays[argCount];
            for (int i = 0; i < argCount; i++) {
                long v = batch.value(firstArg + i);
                switch (batch.kind(firstArg + i)) {
                    case LaunchBatch.INT -> {
                        ints[i][0] = (int) v;
                        params[i] = intParams[i];
                    }
                    case LaunchBatch.FLOAT -> {
                        floats[i][0] = Float.intBitsToFloat((int) v);
                        params[i] = floatParams[i];
                    }
                    default -> params[i] = batch.buffer(firstArg + i).param();
                }
            }
            try {
                if (cooperativeLaunch) {
                    JCudaDriver.cuLaunchCooperativeKernel(kernels[function], gridX, gridY, 1, blockX, blockY, 1,
                            sharedBytes, backend.stream(), paramLists[argCount]);
                } else {
                    JCudaDriver.cuLaunchKernel(kernels[function], gridX, gridY, 1, blockX, blockY, 1, sharedBytes,
                            backend.stream(), paramLists[argCount], null);
                }
            } catch (jcuda.CudaException e) {
                throw backend.failure("launch of kernel " + function + " (grid " + gridX + " x " + gridY + ", block "
                        + blockX + " x " + blockY + ")", e);
            }
        }

        @Override
        public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, CudaBuffer a, long aOffset,
                         int lda, CudaBuffer b, long bOffset, int ldb, float beta, CudaBuffer c, long cOffset,
                         int ldc) {
            cublas.sgemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        }

        @Override
        public void copy(CudaBuffer src, long srcOffset, CudaBuffer dst, long dstOffset, long n) {
            JCudaDriver.cuMemcpyDtoDAsync(dst.ptr().withByteOffset(dstOffset * 4),
                    src.ptr().withByteOffset(srcOffset * 4), n * 4, backend.stream());
        }
    }

    /** Issues every op of {@code b} on the stream, in order. */
    private void issue(LaunchBatch b) {
        b.issue(streamIssuer);
    }

    @Override
    public synchronized void close() {
        try {
            if (backend.lost()) {
                batch.clear(); // nothing more runs on a lost context
            } else {
                flush();
            }
        } finally {
            try {
                if (graphs != null) {
                    graphs.close();
                }
            } finally {
                super.close();
            }
        }
    }
}
