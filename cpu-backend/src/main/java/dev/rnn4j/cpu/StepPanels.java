package dev.rnn4j.cpu;

import static dev.rnn4j.cpu.VectorGemm.NR;

import java.util.Arrays;

/**
 * A recurrent weight W_hh ({@code [G·H, S]}: G gates of H rows) cut into the slices of a {@link StepLoop}'s parts:
 * part p owns hidden units {@code [bounds[p], bounds[p+1])}, and its slice is those units' rows in every gate, the G
 * blocks gathered into one {@code G·U × S} matrix and packed as GEMM panels, so that one GEMM per part and step
 * computes every gate its cells need. Float panels always; compact ones too (bfloat16 or int8, for the row kernels
 * of batches of one or two) where the buffer was declared compact. Kept with the weight's buffer while its
 * version is unchanged ({@link CpuBuffer#stepPanels}); immutable once built.
 */
final class StepPanels {
    private final long version;
    private final int offset;
    private final int ld;
    private final int gates;
    private final int hidden;
    private final int depth;
    private final int[] bounds;
    /** Per part: its slice's float panels ({@link GemmPacking#packB}'s layout), or null for a part without units. */
    private final float[][] panels;
    /** Per part: its slice's compact panels, or null (none declared, or not asked for). */
    private final CompactPanels[] compact;

    private StepPanels(long version, int offset, int ld, int gates, int hidden, int depth, int[] bounds,
                       float[][] panels, CompactPanels[] compact) {
        this.version = version;
        this.offset = offset;
        this.ld = ld;
        this.gates = gates;
        this.hidden = hidden;
        this.depth = depth;
        this.bounds = bounds.clone();
        this.panels = panels;
        this.compact = compact;
    }

    /**
     * Cuts and packs W_hh, read from {@code w} at {@code offset} with row stride {@code ld} ({@code gates·hidden}
     * rows of {@code depth} values).
     *
     * @param declared what the buffer was declared to hold compactly (covering this matrix), or null for float
     *                 panels alone
     */
    static StepPanels pack(float[] w, int offset, int ld, int gates, int hidden, int depth, int[] bounds,
                           CompactWeights declared, long version) {
        int parts = bounds.length - 1;
        float[][] panels = new float[parts][];
        CompactPanels[] compact = new CompactPanels[parts];
        for (int p = 0; p < parts; p++) {
            int u0 = bounds[p];
            int units = bounds[p + 1] - u0;
            if (units == 0) {
                continue;
            }
            int rows = gates * units;
            float[] slice = new float[Math.multiplyExact(rows, depth)];
            float[] scales = declared != null && declared.rowScales() != null ? new float[rows] : null;
            for (int r = 0; r < rows; r++) {
                int source = (r / units) * hidden + u0 + r % units;
                System.arraycopy(w, offset + source * ld, slice, r * depth, depth);
                if (scales != null) {
                    scales[r] = declared.rowScales()[offset / ld + source];
                }
            }
            int nPanels = (rows + NR - 1) / NR;
            panels[p] = new float[Math.multiplyExact(depth, nPanels * NR)];
            GemmPacking.packB(panels[p], slice, 0, depth, true, rows, depth, nPanels, 0, nPanels);
            if (declared != null) {
                compact[p] = CompactPanels.pack(slice, 0, depth, rows, depth,
                        new CompactWeights(declared.precision(), rows, depth, scales, version), 0);
            }
        }
        return new StepPanels(version, offset, ld, gates, hidden, depth, bounds, panels, compact);
    }

    /** Whether these are the panels of this weight at {@code version}, cut at {@code bounds}, compact if asked. */
    boolean fits(long version, int offset, int ld, int gates, int hidden, int depth, int[] bounds,
                 boolean withCompact) {
        return this.version == version && this.offset == offset && this.ld == ld && this.gates == gates
                && this.hidden == hidden && this.depth == depth && Arrays.equals(this.bounds, bounds)
                && (!withCompact || hasCompact());
    }

    private boolean hasCompact() {
        for (int p = 0; p < compact.length; p++) {
            if (panels[p] != null && compact[p] == null) {
                return false;
            }
        }
        return true;
    }

    float[] panels(int part) {
        return panels[part];
    }

    CompactPanels compact(int part) {
        return compact[part];
    }
}
