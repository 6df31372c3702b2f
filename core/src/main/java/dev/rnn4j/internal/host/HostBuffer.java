package dev.rnn4j.internal.host;

import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.ElementType;

/**
 * A host backend's buffer: a Java array, plus a write version that lets a backend keep data derived from a
 * read-mostly buffer (the CPU GEMM's packed weights) and know when it went stale. Every write resolves the array
 * through {@link #floatsForWrite} or {@link #intsForWrite}, which bump the version; reads use {@link #floatsForRead}
 * and {@link #ints}. Keeping the two apart is what makes such caches safe.
 */
public class HostBuffer implements DeviceBuffer {
    private final ElementType type;
    private float[] floats;
    private int[] ints;
    private long version;

    /** A zeroed buffer of {@code size} elements of {@code type}. */
    public HostBuffer(ElementType type, int size) {
        this.type = type;
        if (type == ElementType.FLOAT32) {
            floats = new float[size];
        } else {
            ints = new int[size];
        }
    }

    /** {@code b} as a host buffer; fails clearly on a foreign or closed one. */
    public static HostBuffer of(DeviceBuffer b) {
        if (!(b instanceof HostBuffer h)) {
            throw new IllegalArgumentException("buffer " + b + " was not allocated by a host backend");
        }
        if (h.floats == null && h.ints == null) {
            throw new IllegalStateException("buffer used after close");
        }
        return h;
    }

    /** The float storage, for reading only. */
    public static float[] floatsForRead(DeviceBuffer b) {
        return of(b).requireFloats();
    }

    /** The float storage, about to be written: bumps the version. */
    public static float[] floatsForWrite(DeviceBuffer b) {
        HostBuffer h = of(b);
        h.version++;
        return h.requireFloats();
    }

    /** The int storage (lengths, ids), for reading. */
    public static int[] ints(DeviceBuffer b) {
        return of(b).requireInts();
    }

    /** The int storage, about to be written: bumps the version. */
    public static int[] intsForWrite(DeviceBuffer b) {
        HostBuffer h = of(b);
        h.version++;
        return h.requireInts();
    }

    private float[] requireFloats() {
        if (type != ElementType.FLOAT32) {
            throw new IllegalArgumentException("expected a FLOAT32 buffer, got " + type);
        }
        return floats;
    }

    private int[] requireInts() {
        if (type != ElementType.INT32) {
            throw new IllegalArgumentException("expected an INT32 buffer, got " + type);
        }
        return ints;
    }

    /** Increases on every write. */
    public final long version() {
        return version;
    }

    @Override
    public final long size() {
        return floats != null ? floats.length : ints != null ? ints.length : 0;
    }

    @Override
    public final ElementType type() {
        return type;
    }

    /** Drops the storage; later use fails. Subclasses drop what they derived from it in {@link #released}. */
    @Override
    public final void close() {
        floats = null;
        ints = null;
        released();
    }

    /** Called once the storage is dropped. */
    protected void released() {
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + type + " x " + size() + "]";
    }
}
