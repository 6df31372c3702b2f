package dev.rnn4j.opencl;

import static org.jocl.CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_TRUE;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.BackendUnavailableException;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.DeviceInfo;
import dev.rnn4j.DeviceOutOfMemoryException;
import dev.rnn4j.ElementType;
import dev.rnn4j.kernels.StepForm;
import dev.rnn4j.spi.DirectFloats;
import dev.rnn4j.spi.Primitives;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;

/**
 * The OpenCL backend: one context and one in-order queue on one device, the shared kernels built once
 * ({@link OpenClProgram}), {@link OpenClPrimitives} enqueueing them. Uploads and downloads block; everything
 * between them is enqueued without waiting. Every OpenCL object is released on close, and by the constructor
 * itself when it fails halfway.
 */
final class OpenClBackend implements Backend {
    private final OpenClDevices.Device info;
    private final cl_device_id device;
    private final long maxAllocation;
    private final long localMemoryBytes;
    private cl_context context;
    private cl_command_queue queue;
    private OpenClProgram program;
    private OpenClPrimitives primitives;
    private final Set<OpenClBuffer> live = Collections.newSetFromMap(new IdentityHashMap<>());

    /** The system property that sends GEMMs to the tiled kernel ({@code tiled}) when the options do not say. */
    static final String GEMM_PROPERTY = "rnn4j.opencl.gemm";

    /** As {@code options} say, each unset option as its system property says. */
    OpenClBackend(BackendOptions options) {
        this(options, options.gemm() != null ? options.gemm() == BackendOptions.Gemm.LIBRARY
                : !"tiled".equalsIgnoreCase(System.getProperty(GEMM_PROPERTY)),
                options.stepForm() != null ? StepForm.valueOf(options.stepForm().name()) : null);
    }

    /** @param useClBlast whether GEMMs go to CLBlast where it loads, else to the tiled kernel */
    OpenClBackend(BackendOptions options, boolean useClBlast) {
        this(options, useClBlast, null);
    }

    /**
     * @param useClBlast whether GEMMs go to CLBlast where it loads, else to the tiled kernel
     * @param stepForm   how small-batch forward steps run; null: as {@code -Drnn4j.kernels.stepForm} says, else
     *                   fused on a GPU or accelerator and unfused on a CPU device (where fusing measured slower)
     */
    OpenClBackend(BackendOptions options, boolean useClBlast, StepForm stepForm) {
        CL.setExceptionsEnabled(true);
        List<cl_device_id> ids = new ArrayList<>();
        List<cl_platform_id> platforms = new ArrayList<>();
        List<OpenClDevices.Device> all = OpenClDevices.list();
        for (cl_platform_id p : OpenClDevices.platforms()) {
            for (cl_device_id d : OpenClDevices.devices(p, CL_DEVICE_TYPE_ALL)) {
                ids.add(d);
                platforms.add(p);
            }
        }
        int index = choose(options, all, ids);
        this.info = all.get(index);
        this.device = ids.get(index);
        this.maxAllocation = deviceLong(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE);
        this.localMemoryBytes = deviceLong(device, CL.CL_DEVICE_LOCAL_MEM_SIZE);
        try {
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL.CL_CONTEXT_PLATFORM, platforms.get(index));
            context = CL.clCreateContext(props, 1, new cl_device_id[] {device}, null, null, null);
            queue = CL.clCreateCommandQueue(context, device, 0, null);
            program = OpenClProgram.build(context, device, info, OpenClProgram.cacheRoot(options));
            primitives = new OpenClPrimitives(this, program, useClBlast,
                    stepForm != null ? stepForm : StepForm.chosen(info.cpu() ? StepForm.UNFUSED : StepForm.FUSED));
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** The device index: the option's number or name substring, else the first GPU, else device 0. */
    private static int choose(BackendOptions options, List<OpenClDevices.Device> all, List<cl_device_id> ids) {
        if (all.isEmpty()) {
            throw new BackendUnavailableException(OpenClBackendProvider.NAME, "no OpenCL device found");
        }
        String wanted = options.device();
        if (wanted == null || wanted.isEmpty()) {
            for (int i = 0; i < ids.size(); i++) {
                if ((deviceLong(ids.get(i), CL.CL_DEVICE_TYPE) & CL_DEVICE_TYPE_GPU) != 0) {
                    return i;
                }
            }
            return 0;
        }
        int index = options.deviceIndex();
        if (index >= 0) {
            if (index >= all.size()) {
                throw new BackendUnavailableException(OpenClBackendProvider.NAME, "no OpenCL device " + index
                        + "; devices: " + all);
            }
            return index;
        }
        for (OpenClDevices.Device d : all) {
            if (d.name().toLowerCase(Locale.ROOT).contains(wanted.toLowerCase(Locale.ROOT))) {
                return d.index();
            }
        }
        throw new BackendUnavailableException(OpenClBackendProvider.NAME, "no OpenCL device named like '" + wanted
                + "'; devices: " + all);
    }

    private static long deviceLong(cl_device_id d, int param) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        CL.clGetDeviceInfo(d, param, 8, Pointer.to(b), null);
        return b.getLong(0);
    }

    cl_command_queue queue() {
        return queue;
    }

    /** The device's local memory per work-group, in bytes. */
    long localMemoryBytes() {
        return localMemoryBytes;
    }

    @Override
    public String name() {
        return OpenClBackendProvider.NAME;
    }

    @Override
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("gemm", primitives.usesClBlast() ? "library (CLBlast)" : "tiled");
        s.put("stepForm", primitives.stepForm().name().toLowerCase(Locale.ROOT));
        s.put("programCache", program.cacheRoot == null ? "off" : program.cacheRoot.toString());
        return s;
    }

    @Override
    public DeviceInfo device() {
        return new DeviceInfo(info.name(), info.memoryBytes(), info.computeUnits(), info.platform() + ", "
                + info.version() + ", driver " + info.driverVersion() + "; kernels " + program.origin + "; GEMM: "
                + primitives.gemmName() + "; " + primitives.stepForm().description()
                + (primitives.stepForm() == StepForm.UNFUSED && info.cpu() ? " (the default on a CPU device, where "
                + "fusing measured slower; -D" + StepForm.PROPERTY + "=fused or persistent fuses)" : "")
                + (primitives.stepForm() == StepForm.PERSISTENT ? "; OpenCL runs no group-wide barrier across a "
                + "launch, so persistent steps take one launch per step unless one work-group holds the layer: a form "
                + "for testing the kernel, slower than fused" : ""));
    }

    @Override
    public DeviceBuffer allocate(long floats) {
        return alloc(floats, ElementType.FLOAT32);
    }

    @Override
    public DeviceBuffer allocateInts(long ints) {
        return alloc(ints, ElementType.INT32);
    }

    private DeviceBuffer alloc(long n, ElementType type) {
        if (n < 0) {
            throw new IllegalArgumentException("negative size " + n);
        }
        if (n > Integer.MAX_VALUE) {
            throw new DeviceOutOfMemoryException(n * 4, "the opencl backend indexes buffers with 32-bit offsets: "
                    + n + " elements exceed 2^31 - 1", null);
        }
        long bytes = Math.max(4, n * 4);
        if (bytes > maxAllocation) {
            throw new DeviceOutOfMemoryException(bytes, info.name() + " allocates at most " + maxAllocation
                    + " bytes per buffer (CL_DEVICE_MAX_MEM_ALLOC_SIZE); " + bytes + " were asked for", null);
        }
        cl_mem mem;
        try {
            mem = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
        } catch (CLException e) {
            throw new DeviceOutOfMemoryException(bytes, info.name() + " could not allocate " + bytes + " bytes: "
                    + e.getMessage(), e);
        }
        OpenClBuffer b = new OpenClBuffer(this, mem, n, type);
        synchronized (live) {
            live.add(b);
        }
        return b;
    }

    /** The device's largest single allocation ({@code CL_DEVICE_MAX_MEM_ALLOC_SIZE}), in bytes. */
    long maxAllocation() {
        return maxAllocation;
    }

    void released(OpenClBuffer b) {
        synchronized (live) {
            live.remove(b);
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n) {
        transfer(src, null, srcOffset, dst, dstOffset, n, true);
    }

    @Override
    public void uploadInts(int[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n) {
        transfer(null, src, srcOffset, dst, dstOffset, n, true);
    }

    @Override
    public void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int n) {
        transfer(dst, null, dstOffset, src, srcOffset, n, false);
    }

    /** From a direct buffer in the machine's byte order, the driver copies straight out of it. */
    @Override
    public void upload(FloatBuffer src, DeviceBuffer dst, long dstOffset, int n) {
        FloatBuffer direct = DirectFloats.window(src, n);
        if (direct == null) {
            Backend.super.upload(src, dst, dstOffset, n);
        } else {
            transfer(Pointer.to(direct), dst, dstOffset, n, true);
        }
    }

    /** Into a direct buffer in the machine's byte order, the driver copies straight into it. */
    @Override
    public void download(DeviceBuffer src, long srcOffset, FloatBuffer dst, int n) {
        FloatBuffer direct = DirectFloats.window(dst, n);
        if (direct == null) {
            Backend.super.download(src, srcOffset, dst, n);
        } else {
            transfer(Pointer.to(direct), src, srcOffset, n, false);
        }
    }

    /** Blocking transfers: the host array is only pinned for the call, so the call must finish first. */
    private void transfer(float[] floats, int[] ints, int hostOffset, DeviceBuffer buffer, long offset, int n,
                          boolean toDevice) {
        if (n == 0) {
            transfer(null, buffer, offset, 0, toDevice);
            return;
        }
        transfer((floats != null ? Pointer.to(floats) : Pointer.to(ints)).withByteOffset(
                (long) hostOffset * Sizeof.cl_float), buffer, offset, n, toDevice);
    }

    private void transfer(Pointer host, DeviceBuffer buffer, long offset, int n, boolean toDevice) {
        OpenClBuffer b = OpenClBuffer.of(buffer, this);
        if (offset < 0 || n < 0 || offset + n > b.size()) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + (offset + n) + ") outside " + b);
        }
        if (n == 0) {
            return;
        }
        synchronized (primitives) {
            try {
                if (toDevice) {
                    CL.clEnqueueWriteBuffer(queue, b.mem(), CL_TRUE, offset * 4, (long) n * 4, host, 0, null, null);
                } else {
                    CL.clEnqueueReadBuffer(queue, b.mem(), CL_TRUE, offset * 4, (long) n * 4, host, 0, null, null);
                }
            } catch (CLException e) {
                throw ClFailures.of(toDevice ? "upload" : "download", info.name(), e);
            }
        }
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
        synchronized (primitives) {
            try {
                CL.clFinish(queue);
            } catch (CLException e) {
                throw ClFailures.of("finish", info.name(), e);
            }
        }
    }

    @Override
    public synchronized void close() {
        List<OpenClBuffer> open;
        synchronized (live) {
            open = new ArrayList<>(live);
        }
        for (OpenClBuffer b : open) {
            b.close();
        }
        boolean clblast = primitives != null && primitives.usesClBlast();
        if (primitives != null) {
            primitives.close();
            primitives = null;
        }
        if (program != null) {
            program.close();
            program = null;
        }
        if (queue != null) {
            CL.clFinish(queue);
            CL.clReleaseCommandQueue(queue);
            queue = null;
        }
        if (clblast) {
            // CLBlast caches the programs it compiled for this context, which keep the context alive: 2-3 MiB a
            // backend, found by the soak (opened, used and closed 200 times: 317 to 739 MiB resident).
            ClBlastGemm.clearCache();
        }
        if (context != null) {
            CL.clReleaseContext(context);
            context = null;
        }
    }
}
