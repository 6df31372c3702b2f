package dev.rnn4j.cpu;

import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.ElementType;
import dev.rnn4j.internal.host.HostBuffer;

/**
 * A CPU-backend buffer: a {@link HostBuffer} that also holds the GEMM's packed copies of it, which its write version
 * keeps valid (see {@link PackedOperandCache}).
 */
final class CpuBuffer extends HostBuffer {
    /** Packed GEMM panels of this buffer, owned and validated by {@link PackedOperandCache}. */
    final PackedOperandCache packed = new PackedOperandCache();
    /** What the buffer was last declared to hold compactly, or null; valid while its version is unchanged. */
    volatile CompactWeights compactWeights;
    /** This weight cut for a step loop's parts, valid while its version is the buffer's; or null. */
    volatile StepPanels stepPanels;

    CpuBuffer(ElementType type, int size) {
        super(type, size);
    }

    /** {@code b} as a CPU buffer; fails clearly on a buffer of another backend, or a closed one. */
    public static CpuBuffer of(DeviceBuffer b) {
        if (!(HostBuffer.of(b) instanceof CpuBuffer c)) {
            throw new IllegalArgumentException("buffer " + b + " was not allocated by the cpu backend");
        }
        return c;
    }

    @Override
    protected void released() {
        packed.clear();
        compactWeights = null;
        stepPanels = null;
    }
}
