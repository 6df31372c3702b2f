package dev.rnn4j.serving;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.Primitives;

/**
 * The open streams' states on the device: a table of slots, {@code [layers, capacity, stateSize]} for h (and
 * {@code [layers, capacity, hidden]} for an LSTM's c), and the batch blocks a step gathers them into. A batched step
 * gathers its streams' slots into the block (one indexed copy per layer), the layer runs from the block, and its
 * final states are scattered back into the slots: the states never visit the host. The table grows by doubling as
 * streams open (up to the session's stream limit) and a closed stream's slot is reused. Only the session's
 * dispatcher thread uses it.
 */
final class StreamSlots implements AutoCloseable {
    /** Slots the table starts with: a few kilobytes for small models, grown as streams open. */
    private static final int FIRST_CAPACITY = 16;

    private final Backend backend;
    private final Primitives ops;
    private final int layers;
    private final int stateSize;
    private final int hidden;
    private final boolean cells;
    private final int maxSlots;
    private int capacity;
    private DeviceBuffer h;
    private DeviceBuffer c;
    /** Slots handed out at least once: [0, highWater); the free ones among them are on the stack. */
    private int highWater;
    private int[] free = new int[FIRST_CAPACITY];
    private int freeCount;
    private int blockCapacity;
    private DeviceBuffer indices;
    private DeviceBuffer blockH;
    private DeviceBuffer blockC;
    /** The rows of the last gather, which the scatter writes back. */
    private int gathered;

    StreamSlots(Backend backend, RnnSpec spec, int maxSlots) {
        this.backend = backend;
        this.ops = backend.primitives();
        this.layers = spec.stateLayers();
        this.stateSize = spec.stateSize();
        this.hidden = spec.hiddenSize();
        this.cells = spec.cell().hasCellState();
        this.maxSlots = maxSlots;
    }

    /**
     * A slot for a new stream, holding {@code h0} and {@code c0} (null for zeros).
     *
     * @throws IllegalStateException when every one of the session's slots is taken
     */
    int open(float[] h0, float[] c0) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (highWater == maxSlots) {
                throw new IllegalStateException("the session already holds its limit of " + maxSlots
                        + " open streams; close some or raise SessionOptions.maxStreams");
            }
            if (highWater == capacity) {
                grow();
            }
            slot = highWater++;
        }
        for (int l = 0; l < layers; l++) {
            write(h, h0, l, slot, stateSize);
            if (cells) {
                write(c, c0, l, slot, hidden);
            }
        }
        return slot;
    }

    private void write(DeviceBuffer table, float[] values, int layer, int slot, int width) {
        long at = ((long) layer * capacity + slot) * width;
        if (values == null) {
            ops.fill(table, at, width, 0f);
        } else {
            backend.upload(values, layer * width, table, at, width);
        }
    }

    /** Frees {@code slot} for a later stream. */
    void release(int slot) {
        if (freeCount == free.length) {
            free = java.util.Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = slot;
    }

    /** The state in {@code slot}, read back to the host. */
    StreamState read(int slot) {
        float[] hv = new float[layers * stateSize];
        float[] cv = cells ? new float[layers * hidden] : null;
        for (int l = 0; l < layers; l++) {
            backend.download(h, ((long) l * capacity + slot) * stateSize, hv, l * stateSize, stateSize);
            if (cells) {
                backend.download(c, ((long) l * capacity + slot) * hidden, cv, l * hidden, hidden);
            }
        }
        return new StreamState(hv, cv);
    }

    /**
     * Gathers the states of {@code slots[0, count)} into the blocks {@link #blockH} and {@link #blockC}
     * ({@code [layers, count, ·]}, the layer's initial-state layout), in that order.
     */
    void gather(int[] slots, int count) {
        if (count > blockCapacity) {
            growBlocks(count);
        }
        backend.uploadInts(slots, 0, indices, 0, count);
        for (int l = 0; l < layers; l++) {
            ops.copyRows(indices, count, stateSize, table(h, l, stateSize), block(blockH, l, count, stateSize), false);
            if (cells) {
                ops.copyRows(indices, count, hidden, table(c, l, hidden), block(blockC, l, count, hidden), false);
            }
        }
        gathered = count;
    }

    /** Writes final states ({@code [layers, count, ·]}, count as in the last gather) back into the gathered slots. */
    void scatter(DeviceBuffer finalH, DeviceBuffer finalC) {
        for (int l = 0; l < layers; l++) {
            ops.copyRows(indices, gathered, stateSize, block(finalH, l, gathered, stateSize), table(h, l, stateSize),
                    true);
            if (cells) {
                ops.copyRows(indices, gathered, hidden, block(finalC, l, gathered, hidden), table(c, l, hidden), true);
            }
        }
    }

    DeviceBuffer blockH() {
        return blockH;
    }

    /** The gathered cell states, or null when the cell has none. */
    DeviceBuffer blockC() {
        return blockC;
    }

    private MatrixRef table(DeviceBuffer t, int layer, int width) {
        return new MatrixRef(t, (long) layer * capacity * width, width);
    }

    private static MatrixRef block(DeviceBuffer b, int layer, int count, int width) {
        return new MatrixRef(b, (long) layer * count * width, width);
    }

    /** Doubles the table (at most to the limit), copying each layer's slots into the new layout. */
    private void grow() {
        int next = (int) Math.min(maxSlots, Math.max(FIRST_CAPACITY, 2L * capacity));
        DeviceBuffer nh = backend.allocate((long) layers * next * stateSize);
        DeviceBuffer nc = null;
        try {
            nc = cells ? backend.allocate((long) layers * next * hidden) : null;
        } catch (RuntimeException e) {
            nh.close();
            throw e;
        }
        for (int l = 0; l < layers && highWater > 0; l++) {
            ops.copy(h, (long) l * capacity * stateSize, nh, (long) l * next * stateSize, (long) highWater * stateSize);
            if (cells) {
                ops.copy(c, (long) l * capacity * hidden, nc, (long) l * next * hidden, (long) highWater * hidden);
            }
        }
        closeTable();
        h = nh;
        c = nc;
        capacity = next;
    }

    private void growBlocks(int count) {
        int next = Math.max(count, 2 * blockCapacity);
        closeBlocks();
        indices = backend.allocateInts(next);
        blockH = backend.allocate((long) layers * next * stateSize);
        blockC = cells ? backend.allocate((long) layers * next * hidden) : null;
        blockCapacity = next;
    }

    private void closeTable() {
        if (h != null) {
            h.close();
        }
        if (c != null) {
            c.close();
        }
        h = c = null;
    }

    private void closeBlocks() {
        for (DeviceBuffer b : new DeviceBuffer[] {indices, blockH, blockC}) {
            if (b != null) {
                b.close();
            }
        }
        indices = blockH = blockC = null;
        blockCapacity = 0;
    }

    @Override
    public void close() {
        closeTable();
        closeBlocks();
    }
}
