package dev.rnn4j.opencl;

import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.ElementType;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_mem;

/** A device buffer of an {@link OpenClBackend}: one {@code cl_mem}, released on close. */
final class OpenClBuffer implements DeviceBuffer {
    final OpenClBackend owner;
    private final long size;
    private final ElementType type;
    private cl_mem mem;
    /** The kernel-argument pointer to {@link #mem}, made once so setting an argument allocates nothing. */
    private Pointer pointer;

    OpenClBuffer(OpenClBackend owner, cl_mem mem, long size, ElementType type) {
        this.owner = owner;
        this.mem = mem;
        this.size = size;
        this.type = type;
        this.pointer = Pointer.to(mem);
    }

    /** The buffer behind a {@link DeviceBuffer} of {@code backend}, checked: open, from that backend. */
    static OpenClBuffer of(DeviceBuffer b, OpenClBackend backend) {
        if (!(b instanceof OpenClBuffer o) || o.owner != backend) {
            throw new IllegalArgumentException("buffer " + b + " does not belong to this opencl backend");
        }
        if (o.mem == null) {
            throw new IllegalStateException("opencl buffer used after close");
        }
        return o;
    }

    cl_mem mem() {
        return mem;
    }

    Pointer pointer() {
        return pointer;
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
    public synchronized void close() {
        if (mem != null) {
            owner.released(this);
            CL.clReleaseMemObject(mem);
            mem = null;
            pointer = null;
        }
    }

    @Override
    public String toString() {
        return "opencl " + type + "[" + size + "]";
    }
}
