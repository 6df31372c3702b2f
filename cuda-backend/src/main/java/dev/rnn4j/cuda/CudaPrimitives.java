package dev.rnn4j.cuda;

import dev.rnn4j.kernels.KernelPrimitives;
import dev.rnn4j.kernels.KernelSource;
import dev.rnn4j.kernels.SequencePlan;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.DeviceBuffer;
import dev.rnn4j.spi.Transpose;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.JCudaDriver;

/**
 * The CUDA primitives: {@link KernelPrimitives} launching on the backend's stream, none waiting. Each argument
 * slot has its own preallocated value holder; a launch copies the slots it used into the parameter array the
 * driver reads, one array per argument count, made at its first use, so a launch allocates nothing (the driver
 * copies the values it points to during the launch call, so the array may be refilled right after). GEMMs go to
 * cuBLAS when it loaded, else to the shared tiled kernel; copies to cuMemcpyDtoDAsync.
 */
final class CudaPrimitives extends KernelPrimitives {
    private static final int MAX_ARGS = 64;
    private static final int BLOCK = 256;

    private final CudaBackend backend;
    private final Map<String, CUfunction> functions;
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

    private final int[][] ints = new int[MAX_ARGS][1];
    private final float[][] floats = new float[MAX_ARGS][1];
    private final Pointer[] intParams = new Pointer[MAX_ARGS];
    private final Pointer[] floatParams = new Pointer[MAX_ARGS];
    private final Pointer[] slots = new Pointer[MAX_ARGS];
    /** Per argument count n: an array of n parameter pointers, and the Pointer to it that the driver is given. */
    private final Pointer[][] paramArrays = new Pointer[MAX_ARGS + 1][];
    private final Pointer[] paramLists = new Pointer[MAX_ARGS + 1];
    private CUfunction function;
    private int next;

    CudaPrimitives(CudaBackend backend, Map<String, CUfunction> functions, DeviceGemm cublas, StepForm stepForm) {
        super(backend, stepForm);
        this.backend = backend;
        this.functions = functions;
        this.cublas = cublas;
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

    @Override
    protected void begin(String name) {
        backend.makeCurrent();
        function = functions.get(name);
        if (function == null) {
            throw new IllegalStateException("no kernel " + name);
        }
        next = 0;
        dynamicBytes = 0;
    }

    @Override
    protected void arg(int v) {
        ints[next][0] = v;
        slots[next] = intParams[next];
        next++;
    }

    @Override
    protected void arg(float v) {
        floats[next][0] = v;
        slots[next] = floatParams[next];
        next++;
    }

    @Override
    protected void bufferArg(DeviceBuffer b) {
        slots[next++] = CudaBuffer.of(b, backend).param();
    }

    @Override
    protected void intsArg(DeviceBuffer b) {
        slots[next++] = CudaBuffer.of(b, backend).param();
    }

    private Pointer params() {
        if (paramLists[next] == null) {
            paramArrays[next] = new Pointer[next];
            paramLists[next] = Pointer.to(paramArrays[next]);
        }
        System.arraycopy(slots, 0, paramArrays[next], 0, next);
        return paramLists[next];
    }

    @Override
    protected void launch(long items) {
        if (items <= 0) {
            return;
        }
        int grid = Math.toIntExact((items + BLOCK - 1) / BLOCK);
        JCudaDriver.cuLaunchKernel(function, grid, 1, 1, BLOCK, 1, 1, 0, backend.stream(), params(), null);
    }

    @Override
    protected void launchGroups(int groups, int groupSize) {
        if (groups <= 0) {
            return;
        }
        JCudaDriver.cuLaunchKernel(function, groups, 1, 1, groupSize, 1, 1, 0, backend.stream(), params(), null);
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
        CUfunction f = functions.get("recurrent_sequence");
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
        JCudaDriver.cuLaunchCooperativeKernel(function, plan.groups(), 1, 1, KernelSource.STEP_GROUP, 1, 1,
                dynamicBytes, backend.stream(), params());
    }

    @Override
    protected void launchTiles(int m, int n) {
        int t = KernelSource.GEMM_TILE;
        int block = KernelSource.GEMM_BLOCK;
        JCudaDriver.cuLaunchKernel(function, (n + block - 1) / block, (m + block - 1) / block, 1, t, t, 1, 0,
                backend.stream(), params(), null);
    }

    @Override
    public synchronized void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
                                  DeviceBuffer a, long aOffset, int lda, DeviceBuffer b, long bOffset, int ldb,
                                  float beta, DeviceBuffer c, long cOffset, int ldc) {
        if (cublas != null && m > 0 && n > 0 && k > 0) {
            backend.makeCurrent();
            cublas.sgemm(transA == Transpose.YES, transB == Transpose.YES, m, n, k, alpha, CudaBuffer.of(a, backend),
                    aOffset, lda, CudaBuffer.of(b, backend), bOffset, ldb, beta, CudaBuffer.of(c, backend), cOffset,
                    ldc);
            return;
        }
        super.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    @Override
    public synchronized void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long n) {
        if (n <= 0) {
            return;
        }
        backend.makeCurrent();
        JCudaDriver.cuMemcpyDtoDAsync(CudaBuffer.of(dst, backend).ptr().withByteOffset(dstOffset * 4),
                CudaBuffer.of(src, backend).ptr().withByteOffset(srcOffset * 4), n * 4, backend.stream());
    }
}
