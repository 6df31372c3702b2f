package dev.rnn4j.cpu;

/**
 * Packed GEMM panels of one buffer, kept while the buffer is not written. A weight matrix is the B operand of
 * every step's recurrent GEMM; packing it once per upload instead of once per step is what this is for. An operand
 * is packed into the cache on its second use at an unchanged version, so activations used once per pass never
 * take cache memory. Validity is the buffer's write version ({@link CpuBuffer#version()}) plus the operand's
 * geometry. Four entries: a weight used both as W and as Wᵀ takes two, and the original-form GRU uses two blocks
 * of its W_hh each way (the r, z rows and the n rows).
 */
final class PackedOperandCache {
    /** One packed operand: its geometry, the version it was packed at, the panels (null until cached). */
    static final class Entry {
        int offset;
        int ld;
        boolean trans;
        int rows;
        int cols;
        long version = -1;
        float[] panels;
        boolean valid;
        /** The bfloat16 or int8 panels of a declared weight ({@link CompactPanels}) at this version, or null. */
        CompactPanels compact;
        /** Lookups at this version: the second one packs into the cache. */
        int uses;
        long lastUse;
    }

    private final Entry[] entries = {new Entry(), new Entry(), new Entry(), new Entry()};
    private long clock;

    /**
     * The entry for this geometry at {@code version}: valid (panels ready) when it was packed before at this
     * version, otherwise a recycled entry now describing it, not valid.
     */
    synchronized Entry lookup(int offset, int ld, boolean trans, int rows, int cols, long version) {
        clock++;
        Entry oldest = entries[0];
        for (Entry e : entries) {
            if (e.offset == offset && e.ld == ld && e.trans == trans && e.rows == rows && e.cols == cols) {
                if (e.version != version) {
                    e.version = version;
                    e.valid = false;
                    e.compact = null;
                    e.uses = 0;
                }
                e.uses++;
                e.lastUse = clock;
                return e;
            }
            if (e.lastUse < oldest.lastUse) {
                oldest = e;
            }
        }
        oldest.offset = offset;
        oldest.ld = ld;
        oldest.trans = trans;
        oldest.rows = rows;
        oldest.cols = cols;
        oldest.version = version;
        oldest.valid = false;
        oldest.uses = 1;
        oldest.lastUse = clock;
        oldest.panels = null;
        oldest.compact = null;
        return oldest;
    }

    /** The entry's compact panels, packed by {@code packer} on first use at its version. */
    synchronized CompactPanels compact(Entry e, java.util.function.Supplier<CompactPanels> packer) {
        if (e.compact == null) {
            e.compact = packer.get();
        }
        return e.compact;
    }

    /** Whether some entry holds compact panels (for tests that a path was taken). */
    synchronized boolean holdsCompact() {
        for (Entry e : entries) {
            if (e.compact != null) {
                return true;
            }
        }
        return false;
    }

    synchronized void clear() {
        for (Entry e : entries) {
            e.panels = null;
            e.compact = null;
            e.valid = false;
            e.version = -1;
        }
    }
}
