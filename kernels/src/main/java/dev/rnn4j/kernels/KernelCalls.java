package dev.rnn4j.kernels;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.spi.MatrixRef;

/**
 * How this module's kernels are called: the few low-level methods a device backend supplies ({@link #begin}, the
 * {@code arg} and {@link #bufferArg} methods, the launches), and the argument forms built on them (a buffer with
 * its offset, a matrix with its leading dimension, a stand-in for a buffer a kernel will not touch). {@link
 * KernelPrimitives} and {@link KernelTrainingPrimitives} pass their kernels' arguments through it, in the order the
 * kernels declare them; calls are serialised by this object's lock.
 */
public abstract class KernelCalls {
    /** Starts a call of kernel {@code name}: the next argument is its first. */
    protected abstract void begin(String name);

    /** The next argument, an int. */
    protected abstract void arg(int v);

    /** The next argument, a float. */
    protected abstract void arg(float v);

    /** The next argument, a float or int buffer of this backend (never null). */
    protected abstract void bufferArg(DeviceBuffer b);

    /** Launches the begun kernel over {@code items} work items (1-D), none when 0. */
    protected abstract void launch(long items);

    /**
     * Launches {@code gemm_tiled} over an m × n C: one group of {@link KernelSource#GEMM_TILE}² items per
     * {@link KernelSource#GEMM_BLOCK}² block of C.
     */
    protected abstract void launchTiles(int m, int n);

    /** Launches the begun kernel as {@code groups} 1-D work-groups (CUDA blocks) of {@code groupSize} items. */
    protected abstract void launchGroups(int groups, int groupSize);

    /**
     * Launches the begun {@code recurrent_sequence} as {@code plan} says: {@code plan.groups()} groups of
     * {@link KernelSource#STEP_GROUP} items, all resident at once where the plan runs all steps in one launch with
     * more than one group (a cooperative launch on CUDA).
     */
    protected abstract void launchSequence(SequencePlan plan);

    /** The next argument: {@code floats} floats of local memory for each work-group, sized at launch. */
    protected abstract void localFloats(int floats);

    /**
     * How {@code recurrent_sequence} would cover a layer of {@code hidden} units with {@code gates} gate rows of
     * {@code k} each on this device ({@link SequencePlan#of} with the device's limits), or null where W_hh does not
     * fit on chip or the device cannot run it.
     */
    protected abstract SequencePlan sequencePlan(int gates, int hidden, int k);

    /** The backend whose buffers these primitives use, and on which they allocate their own. */
    final Backend owner;
    /**
     * One float and one int, passed where a kernel takes a buffer it will not touch (its flag says so): a kernel
     * argument cannot be left unset. Made at first need; null before.
     */
    private DeviceBuffer unusedFloats;
    private DeviceBuffer unusedInts;

    /** @param owner the backend these calls run on (it need not be ready yet: nothing is allocated here) */
    protected KernelCalls(Backend owner) {
        this.owner = owner;
    }

    void arg(boolean v) {
        arg(v ? 1 : 0);
    }

    /** The next argument, a float buffer; null stands for one the kernel will not touch (its flag says so). */
    void buffer(DeviceBuffer b) {
        if (b == null && unusedFloats == null) {
            unusedFloats = owner.allocate(1);
        }
        bufferArg(b != null ? b : unusedFloats);
    }

    /** The next argument, an int buffer; null as for {@link #buffer(DeviceBuffer)}. */
    void ints(DeviceBuffer b) {
        if (b == null && unusedInts == null) {
            unusedInts = owner.allocateInts(1);
        }
        bufferArg(b != null ? b : unusedInts);
    }

    /** A buffer and its element offset (checked to fit the kernels' 32-bit indices). */
    void buffer(DeviceBuffer b, long offset) {
        buffer(b);
        arg(index(offset));
    }

    /** An element offset or count as the kernels' 32-bit index. */
    protected static int index(long v) {
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + v + " does not fit the device kernels' 32-bit indices");
        }
        return (int) v;
    }

    /** A matrix: its buffer and offset, then its leading dimension. */
    void matrix(MatrixRef m) {
        buffer(m.buffer(), m.offset());
        arg(m.ld());
    }

    /** Releases the stand-in buffers; idempotent. */
    void releaseStandIns() {
        for (DeviceBuffer b : new DeviceBuffer[] {unusedFloats, unusedInts}) {
            if (b != null) {
                b.close();
            }
        }
        unusedFloats = unusedInts = null;
    }
}
