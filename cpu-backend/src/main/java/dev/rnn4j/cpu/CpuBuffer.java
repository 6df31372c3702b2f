package dev.rnn4j.cpu;

import dev.rnn4j.spi.DeviceBuffer;
import dev.rnn4j.spi.ElementType;

/**
 * A CPU-backend buffer: a Java array, plus a write version that lets the GEMM keep packed copies of read-mostly
 * operands (weights) across calls. Every write goes through {@link #floatsForWrite}, which bumps the version and
 * so invalidates any packed copy; reads use {@link #floatsForRead}. Keeping the two apart is what makes the
 * packing cache safe.
 */
final class CpuBuffer implements DeviceBuffer {
    private final ElementType type;
    private float[] floats;
    private int[] ints;
    private long version;
    /** Packed GEMM panels of this buffer, owned and validated by {@link PackedOperandCache}. */
    final PackedOperandCache packed = new PackedOperandCache();

    CpuBuffer(ElementType type, int size) {
        this.type = type;
        if (type == ElementType.FLOAT32) {
            floats = new float[size];
        } else {
            ints = new int[size];
        }
    }

    static CpuBuffer of(DeviceBuffer b) {
        if (!(b instanceof CpuBuffer c)) {
            throw new IllegalArgumentException("buffer " + b + " was not allocated by the cpu backend");
        }
        if (c.floats == null && c.ints == null) {
            throw new IllegalStateException("buffer used after close");
        }
        return c;
    }

    /** The float storage, for reading only. */
    static float[] floatsForRead(DeviceBuffer b) {
        return of(b).requireFloats();
    }

    /** The float storage, about to be written: bumps the version. */
    static float[] floatsForWrite(DeviceBuffer b) {
        CpuBuffer c = of(b);
        c.version++;
        return c.requireFloats();
    }

    /** The int storage (lengths). */
    static int[] ints(DeviceBuffer b) {
        CpuBuffer c = of(b);
        if (c.type != ElementType.INT32) {
            throw new IllegalArgumentException("expected an INT32 buffer, got " + c.type);
        }
        return c.ints;
    }

    /** The int storage, about to be written. */
    static int[] intsForWrite(DeviceBuffer b) {
        CpuBuffer c = of(b);
        c.version++;
        return ints(b);
    }

    private float[] requireFloats() {
        if (type != ElementType.FLOAT32) {
            throw new IllegalArgumentException("expected a FLOAT32 buffer, got " + type);
        }
        return floats;
    }

    /** Increases on every write. */
    long version() {
        return version;
    }

    @Override
    public long size() {
        return floats != null ? floats.length : ints != null ? ints.length : 0;
    }

    @Override
    public ElementType type() {
        return type;
    }

    @Override
    public void close() {
        floats = null;
        ints = null;
        packed.clear();
    }

    @Override
    public String toString() {
        return "CpuBuffer[" + type + " x " + size() + "]";
    }
}
