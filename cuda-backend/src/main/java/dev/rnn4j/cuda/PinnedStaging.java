package dev.rnn4j.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * Page-locked (pinned) host memory through which a CUDA backend's uploads and downloads pass, in the two halves of
 * {@link StagedTransfers}: from pageable Java arrays the driver stages every copy itself, at about half the bus
 * speed and with the host waiting; from pinned halves the copies run asynchronously on the backend's stream, so an
 * upload is ordered after the work enqueued before it without the host waiting for that work. Each half has an
 * event recorded after its last copy. Not thread-safe: the backend's lock serialises calls.
 */
final class PinnedStaging extends StagedTransfers<CUdeviceptr> implements AutoCloseable {
    /** Bytes per half: large enough that per-copy overhead is small, small enough to stay out of the way. */
    static final int HALF_BYTES = 4 << 20;

    private final CUstream stream;
    private final Pointer[] host = new Pointer[2];
    private final CUevent[] done = new CUevent[2];

    /**
     * Allocates both halves and their events in the current context.
     *
     * @throws RuntimeException when the driver refuses page-locked memory or JCuda cannot map it (the caller then
     *                          copies from pageable memory); whatever was allocated is freed first
     */
    PinnedStaging(CUstream stream) {
        super(HALF_BYTES / 4);
        this.stream = stream;
        try {
            for (int h = 0; h < 2; h++) {
                Pointer p = new Pointer();
                JCudaDriver.cuMemAllocHost(p, HALF_BYTES);
                host[h] = p;
                half(h, p.getByteBuffer(0, HALF_BYTES));
                CUevent e = new CUevent();
                JCudaDriver.cuEventCreate(e, CUevent_flags.CU_EVENT_DISABLE_TIMING);
                done[h] = e;
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    @Override
    protected void toDevice(int h, CUdeviceptr dst, long at, int count) {
        JCudaDriver.cuMemcpyHtoDAsync(dst.withByteOffset(at * 4), host[h], (long) count * 4, stream);
        JCudaDriver.cuEventRecord(done[h], stream);
    }

    @Override
    protected void fromDevice(int h, CUdeviceptr src, long at, int count) {
        JCudaDriver.cuMemcpyDtoHAsync(host[h], src.withByteOffset(at * 4), (long) count * 4, stream);
        JCudaDriver.cuEventRecord(done[h], stream);
    }

    @Override
    protected void awaitHalf(int h) {
        // An event never recorded counts as completed.
        JCudaDriver.cuEventSynchronize(done[h]);
    }

    /** Waits for copies in flight, then frees the halves and events (safe on a half-built instance). */
    @Override
    public void close() {
        for (int h = 0; h < 2; h++) {
            if (done[h] != null) {
                JCudaDriver.cuEventSynchronize(done[h]);
                JCudaDriver.cuEventDestroy(done[h]);
                done[h] = null;
            }
            if (host[h] != null) {
                JCudaDriver.cuMemFreeHost(host[h]);
                host[h] = null;
            }
        }
    }
}
