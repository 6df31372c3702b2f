package dev.rnn4j.cuda;

import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.DeviceFailureException;
import dev.rnn4j.ElementType;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

/** A device allocation of a {@link CudaBackend}: one {@code CUdeviceptr}, freed on close. */
final class CudaBuffer implements DeviceBuffer {
    final CudaBackend owner;
    private final long size;
    private final ElementType type;
    private CUdeviceptr ptr;
    /** The device address of {@link #ptr}, for libraries called without JCuda. */
    private final long address;
    /** The kernel-parameter pointer to {@link #ptr}, made once so a launch allocates nothing for it. */
    private Pointer param;

    CudaBuffer(CudaBackend owner, DevicePointer ptr, long size, ElementType type) {
        this.owner = owner;
        this.ptr = ptr;
        this.address = ptr.address();
        this.size = size;
        this.type = type;
        this.param = Pointer.to(ptr);
    }

    /** The buffer behind a {@link DeviceBuffer} of {@code backend}, checked: open, from that backend. */
    static CudaBuffer of(DeviceBuffer b, CudaBackend backend) {
        if (!(b instanceof CudaBuffer c) || c.owner != backend) {
            throw new IllegalArgumentException("buffer " + b + " does not belong to this cuda backend");
        }
        if (c.ptr == null) {
            throw new IllegalStateException("cuda buffer used after close");
        }
        return c;
    }

    CUdeviceptr ptr() {
        return ptr;
    }

    /** The allocation's device address. */
    long address() {
        if (ptr == null) {
            throw new IllegalStateException("cuda buffer used after close");
        }
        return address;
    }

    Pointer param() {
        return param;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public ElementType type() {
        return type;
    }

    @Override
    public void close() {
        try {
            owner.flushLaunches(); // work recorded and not yet issued may use this buffer
        } catch (DeviceFailureException e) {
            if (!owner.lost()) {
                throw e;
            }
        }
        synchronized (owner) {
            if (ptr == null) {
                return;
            }
            owner.released(this);
            try {
                if (!owner.lost()) { // a lost context's memory goes with it; the driver would refuse the free
                    owner.makeCurrent();
                    JCudaDriver.cuMemFree(ptr);
                }
            } catch (CudaException e) {
                DeviceFailureException f = owner.failure("free of " + this, e);
                if (f.backendUsable()) {
                    throw f;
                }
            } finally {
                ptr = null;
                param = null;
            }
        }
    }

    @Override
    public String toString() {
        return "cuda " + type + "[" + size + "]";
    }
}
