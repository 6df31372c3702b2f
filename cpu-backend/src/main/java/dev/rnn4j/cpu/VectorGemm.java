package dev.rnn4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * SGEMM with the Vector API, in the classic layered form: C is cut into tiles of MR rows × NR columns computed by a
 * register-blocked micro-kernel from packed panels: A in blocks of MC × KC (alpha folded in), B in panels of
 * KC × NR, both unit-stride and zero-padded, so the micro-kernel has no edge cases inside its loop. Transposed
 * operands are handled by the packing routines. Work is split across the pool by row blocks when there are enough
 * rows, otherwise (the recurrent GEMM: a batch of rows, many columns) by column panels.
 *
 * <p>The micro-kernels ({@code microKernel*}, {@code rowKernel*}, {@code dotKernel}) repeat one another on purpose:
 * each is a straight-line method with its accumulators in locals, the shape C2 compiles into registers; folding
 * the variants into one method with branches or loops over the accumulators is what measured 6-10 times slower.
 *
 * <p>B operands that stay unchanged between calls (weights) are packed once and kept with their buffer
 * ({@link PackedOperandCache}). Scratch memory is per pool part and grows only when a larger shape arrives, so a
 * call in steady state allocates nothing.
 */
final class VectorGemm implements Gemm, WorkerPool.Task {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    /** Rows of the micro-tile. */
    static final int MR = 8;
    /** Columns of the micro-tile: three vectors. */
    static final int NR = 3 * VL;
    /**
     * Depth of a packed block: a B panel of KC × NR floats (192 KB) stays in L2, an A micro-panel (32 KB) in L1. Each
     * depth block reads and writes every tile of C once more, and C is what misses the caches: the input
     * projection's T·B rows of gate pre-activations, tens of megabytes. 1024 rather than the textbook 256-384
     * keeps the common depths (the layer's input and hidden sizes) to one block: 1024³ went from 460-474 to
     * 491-494 GFLOP/s, 64×4096×1024ᵀ with B fresh from 1.60 to 1.28-1.33 ms, infer:LSTM:1024:1024:64:25 from
     * 64-69 to 62-68 ms (bench --gemm, 2 cores, one run each side; 512 and 768 measured between). Measured on cores
     * with 2 MB of L2 only: where L2 is 512 KB or less, an A block (MC × KC, 384 KB) no longer fits beside the B
     * panel, and a smaller KC may pay there.
     */
    static final int KC = 1024;
    /** Rows of a packed A block. */
    static final int MC = 12 * MR;
    /**
     * A micro-panel with at most this many valid rows (batch 1 to 4, or the last rows of a batch) is computed row
     * by row: the full 8-row tile would spend most of its multiply-adds on zero padding.
     */
    static final int SMALL_ROWS = 4;
    /**
     * A with at most this many rows (a matrix-vector product) times a Bᵀ is computed as dot products of rows
     * ({@link #dotKernel}), always, packed copy in the cache or not, so that the result does not depend on earlier
     * calls: packing a fresh Bᵀ is a transpose costing more than the few rows of A that would share it (5 to 10
     * times slower at batch 1, measured); a cached packed weight was about twice as fast at batch 1 (given up for
     * reproducibility: infer:LSTM:256:256:1:100 0.6 → 0.9 ms). From 32 rows on, packing and the panel kernel win.
     */
    static final int DOT_ROWS = 4;
    /** ... and only while the rows of A (DOT_ROWS × k) stay in L1/L2 across the column tiles. */
    static final int DOT_MAX_K = 4096;
    /** Rows of A and of Bᵀ in one dot-product tile: 24 accumulators, as in the panel kernel. */
    static final int DOT_MR = 3;
    static final int DOT_NR = 8;
    /**
     * A with at most this many rows (and more than {@link #DOT_ROWS}) times a Bᵀ on its first use is computed as
     * Cᵀ = B·Aᵀ (see gemm()); measured better than transposing B up to 64 rows (48: 130 GFLOP/s at 64×4096×1024ᵀ,
     * 64: 165).
     */
    static final int SWAP_ROWS = 64;
    /** Below this many multiply-adds the pool's hand-off costs more than it saves. */
    private static final long PARALLEL_THRESHOLD = 1L << 17;
    /**
     * Whether a packed A (a transposed A, or alpha other than 1) is to be packed as plain rows and read by the kernels
     * that read A in place, instead of as MR-row micro-panels for {@link #microKernel}. The results are the same to
     * the bit (the same multiply-adds in the same order); the speed is not: JDK 25's C2 compiles the micro-panel
     * kernel at about 205 GFLOP/s per core against 267 on JDK 17, and the in-place kernel at full speed on both,
     * while on JDK 17 plain rows cost 6% (a wider transposing copy). So rows from JDK 25 on ({@code jdk}), unless
     * {@code -Drnn4j.cpu.packA=panels|rows} ({@code property}) says otherwise.
     *
     * @throws IllegalArgumentException when the property names neither
     */
    static boolean packARows(String property, int jdk) {
        if (property == null || property.isBlank()) {
            return jdk >= 25;
        }
        return switch (property.trim()) {
            case "rows" -> true;
            case "panels" -> false;
            default -> throw new IllegalArgumentException("-Drnn4j.cpu.packA must be panels or rows, got '"
                    + property + "'");
        };
    }

    private final WorkerPool pool;
    /** Whether a packed A is packed as plain rows ({@link #packARows}). */
    private final boolean packRows;
    private final float[][] packedA;
    private final float[][] tiles;
    private float[] scratchB = new float[0];

    // The running call, read by the parts; calls are serialised by this object's lock.
    private boolean packing;
    private boolean transA;
    private boolean transB;
    private int m;
    private int n;
    private int k;
    private float alpha;
    private float beta;
    private float[] a;
    private float[] b;
    private float[] c;
    private float[] panels;
    private int aOff;
    private int bOff;
    private int cOff;
    private int lda;
    private int ldb;
    private int ldc;
    private int nPanels;
    private int mPanels;
    private boolean splitColumns;
    private boolean dot;
    private boolean packInPlace;
    /** Scratch for Cᵀ when a product is computed transposed; grows to the largest shape seen. */
    private CpuBuffer transposedC = new CpuBuffer(dev.rnn4j.spi.ElementType.FLOAT32, 0);
    /**
     * The row that the first depth block adds to its tiles in place of C's contents ({@link #gemmPlusRow}), or
     * null.
     */
    private float[] rowToAdd;
    private int rowToAddOffset;
    /** The running product is the swapped one: its tiles go into the caller's C transposed. */
    private boolean storeTransposed;
    /** Per part: one KC × NR panel of B, for packing in place. */
    private final float[][] panelScratch;

    /** @throws IllegalArgumentException when {@code -Drnn4j.cpu.packA} holds neither panels nor rows */
    VectorGemm(WorkerPool pool) {
        this(pool, packARows(System.getProperty("rnn4j.cpu.packA"), Runtime.version().feature()));
    }

    /** @param packRows whether a packed A is packed as plain rows (see {@link #packARows}) */
    VectorGemm(WorkerPool pool, boolean packRows) {
        this.packRows = packRows;
        this.pool = pool;
        this.packedA = new float[pool.parts()][MC * KC];
        this.tiles = new float[pool.parts()][MR * NR];
        this.panelScratch = new float[pool.parts()][KC * NR];
    }

    @Override
    public synchronized void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                  CpuBuffer a, int aOffset, int lda, CpuBuffer b, int bOffset, int ldb,
                                  float beta, CpuBuffer c, int cOffset, int ldc) {
        multiply(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, false);
    }

    /**
     * Adds the row as the first depth block stores its tiles, instead of reading it back from C, which is the
     * largest operand of an input projection (T·B rows of gates) and out of cache: sparing that sweep measured
     * 2-3 ms of 60 on infer:LSTM:1024:1024:64:25. Each element is row[j] + the first block's sum, as by the
     * default. Short A (the dot-product and swapped paths) and k = 0 take the default.
     */
    @Override
    public synchronized void gemmPlusRow(boolean transA, boolean transB, int m, int n, int k, CpuBuffer a,
                                         int aOffset, int lda, CpuBuffer b, int bOffset, int ldb, CpuBuffer row,
                                         int rowOffset, CpuBuffer c, int cOffset) {
        if (m <= SWAP_ROWS || k == 0 || n == 0) {
            Gemm.super.gemmPlusRow(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, row, rowOffset, c,
                    cOffset);
            return;
        }
        rowToAdd = CpuBuffer.floatsForRead(row);
        rowToAddOffset = rowOffset;
        try {
            multiply(transA, transB, m, n, k, 1f, a, aOffset, lda, b, bOffset, ldb, 1f, c, cOffset, n, false);
        } finally {
            rowToAdd = null;
        }
    }

    /**
     * The product; with {@code transposedStore} the {@code m × n} result is stored as its transpose, element
     * (i, j) at {@code cOffset + j·ldc + i} (the swapped product writing the caller's C directly).
     */
    private void multiply(boolean transA, boolean transB, int m, int n, int k, float alpha,
                          CpuBuffer a, int aOffset, int lda, CpuBuffer b, int bOffset, int ldb,
                          float beta, CpuBuffer c, int cOffset, int ldc, boolean transposedStore) {
        if (m == 0 || n == 0) {
            return;
        }
        this.storeTransposed = transposedStore;
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        this.aOff = aOffset;
        this.bOff = bOffset;
        this.cOff = cOffset;
        this.lda = lda;
        this.ldb = ldb;
        this.ldc = ldc;
        this.nPanels = (n + NR - 1) / NR;
        this.mPanels = (m + MR - 1) / MR;
        int parts = pool.parts();
        // Parts that split by columns each pack every row of A; parts that split by rows share B's panels, packed
        // once. So rows whenever each part gets whole MC blocks of them, columns only for short A (the per-step
        // recurrent GEMM, a batch of rows).
        this.splitColumns = m < MC * parts && nPanels >= parts;
        boolean parallel = (long) m * n * k >= PARALLEL_THRESHOLD && parts > 1;
        try {
            this.a = CpuBuffer.floatsForRead(a);
            this.b = CpuBuffer.floatsForRead(b);
            if (transB && !transA && m <= DOT_ROWS && k >= VL && k <= DOT_MAX_K && !transposedStore) {
                // A few rows times a Bᵀ: dot products of rows read in place, whether or not B is packed in the
                // cache, so that the sums' order (and so every bit of C) depends on the shape alone, never on
                // which calls came before.
                this.c = CpuBuffer.floatsForWrite(c);
                packing = false;
                dot = true;
                try {
                    runParts(parallel);
                } finally {
                    dot = false;
                }
                return;
            }
            int packedSize = Math.multiplyExact(k, nPanels * NR);
            PackedOperandCache.Entry entry = b.packed.lookup(bOffset, ldb, transB, k, n, b.version());
            if (!entry.valid && entry.uses < 2 && transB && !transA && m > DOT_ROWS && m <= SWAP_ROWS && n >= 4 * m
                    && alpha == 1 && k > 0 && panelKernelOnly(m) && panelKernelOnly(n) && !transposedStore) {
                // A short A times a Bᵀ on its first use: Cᵀ = B·Aᵀ instead, so the large operand is read in place
                // (as an untransposed A) and only the small Aᵀ is transposed into a panel. Transposing B itself
                // cost a fifth of the product at 32 rows. Every element of C is then the same chain of
                // multiply-adds as in the panel kernel of later calls, bit for bit, as long as neither product
                // leaves its last rows to the row kernel (which sums even and odd k apart).
                if (k <= KC) {
                    // One depth block: its tiles go transposed straight into C, each element stored once.
                    multiply(false, true, n, m, k, alpha, b, bOffset, ldb, a, aOffset, lda, beta, c, cOffset, ldc,
                            true);
                    return;
                }
                // Several depth blocks would store each element of C transposed once per block, scattered (measured
                // 10% slower at 64 × 4096 × 1024): into a scratch Cᵀ instead, transposed into C once at the end.
                float[] cv = CpuBuffer.floatsForWrite(c);
                float[] ct = transposedScratch((long) n * m);
                if (beta != 0) {
                    // C goes in first, so that each block of k adds to it in the order the panel path adds.
                    for (int i = 0; i < m; i++) {
                        int row = cOffset + i * ldc;
                        for (int j = 0; j < n; j++) {
                            ct[j * m + i] = cv[row + j];
                        }
                    }
                }
                multiply(false, true, n, m, k, alpha, b, bOffset, ldb, a, aOffset, lda, beta, transposedC, 0, m,
                        false);
                ct = CpuBuffer.floatsForRead(transposedC);
                for (int i = 0; i < m; i++) {
                    int row = cOffset + i * ldc;
                    for (int j = 0; j < n; j++) {
                        cv[row + j] = ct[j * m + i];
                    }
                }
                return;
            }
            boolean needPacking = true;
            if (entry.valid) {
                panels = entry.panels;
                needPacking = false;
            } else if (entry.uses >= 2) {
                if (entry.panels == null || entry.panels.length != packedSize) {
                    entry.panels = new float[packedSize];
                }
                panels = entry.panels;
            } else {
                if (scratchB.length < packedSize) {
                    scratchB = new float[packedSize];
                }
                panels = scratchB;
            }
            // A fresh B for a short A (columns split across parts) is packed panel by panel inside the product:
            // packing all of it first wrote a copy as large as B to memory and read it back, which made a large
            // fresh Bᵀ (the 16 MB of a 4096×1024 weight) memory-bound.
            packInPlace = needPacking && panels == scratchB && splitColumns && !transA && alpha == 1 && k > 0;
            if (packInPlace) {
                needPacking = false;
            }
            if (needPacking && k > 0) {
                packing = true;
                runParts(parallel);
                if (panels == entry.panels) {
                    entry.valid = true;
                }
            }
            this.c = CpuBuffer.floatsForWrite(c);
            packing = false;
            runParts(parallel);
        } finally {
            this.a = this.b = this.c = this.panels = null;
            packInPlace = false;
        }
    }

    private float[] transposedScratch(long floats) {
        if (transposedC.size() < floats) {
            transposedC = new CpuBuffer(dev.rnn4j.spi.ElementType.FLOAT32, Math.toIntExact(floats));
        }
        return CpuBuffer.floatsForRead(transposedC);
    }

    /** Whether {@code rows} rows of A are all computed by the 8-row panel kernel, none by the row kernel. */
    private static boolean panelKernelOnly(int rows) {
        return rows % MR == 0 || rows % MR > SMALL_ROWS;
    }

    private void runParts(boolean parallel) {
        if (parallel) {
            pool.run(this);
        } else {
            run(0, 1);
        }
    }

    @Override
    public void run(int part, int parts) {
        if (dot) {
            // Column tiles of DOT_NR rows of Bᵀ, shared out by the parts; every part takes all rows of A.
            int colTiles = (n + DOT_NR - 1) / DOT_NR;
            int t1 = WorkerPool.begin(colTiles, part + 1, parts);
            for (int t = WorkerPool.begin(colTiles, part, parts); t < t1; t++) {
                for (int i = 0; i < m; i += dotRows(m)) {
                    dotTile(tiles[part], i, t * DOT_NR);
                }
            }
            return;
        }
        if (packing) {
            packB(WorkerPool.begin(nPanels, part, parts), WorkerPool.begin(nPanels, part + 1, parts));
            return;
        }
        int j0 = 0;
        int j1 = nPanels;
        int r0 = 0;
        int r1 = m;
        if (splitColumns) {
            j0 = WorkerPool.begin(nPanels, part, parts);
            j1 = WorkerPool.begin(nPanels, part + 1, parts);
        } else {
            r0 = WorkerPool.begin(mPanels, part, parts) * MR;
            r1 = Math.min(m, WorkerPool.begin(mPanels, part + 1, parts) * MR);
        }
        if (r0 >= r1 || j0 >= j1) {
            return;
        }
        if (k == 0) {
            scaleC(r0, r1, j0 * NR, Math.min(n, j1 * NR));
            return;
        }
        float[] pa = packedA[part];
        float[] tile = tiles[part];
        // An untransposed A with alpha 1 is read in place, eight row streams at once: packing it cost 5-20% of a
        // GEMM whose C is narrow (few multiply-adds per element of A), and the rows stream from cache just as well.
        boolean directA = !transA && alpha == 1;
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            int block = k0 * nPanels * NR;
            // The first depth block folds beta (or the row to add) in as it stores, so C is never swept separately.
            float cScale = k0 == 0 ? beta : 1f;
            boolean addRow = k0 == 0 && rowToAdd != null;
            if (packInPlace) {
                // B used once: each part packs a panel into its own cache-sized scratch just before using it, so
                // B is read from memory once and never written back packed (see gemm()).
                float[] pb = panelScratch[part];
                for (int j = j0; j < j1; j++) {
                    packPanel(pb, 0, j, k0, kc);
                    int cols = Math.min(NR, n - j * NR);
                    for (int row = r0; row < r1; row += MR) {
                        directTile(row, Math.min(MR, r1 - row), cols, k0, kc, pb, 0, j * NR, cScale, addRow, tile);
                    }
                }
                continue;
            }
            for (int m0 = r0; m0 < r1; m0 += MC) {
                int mc = Math.min(MC, r1 - m0);
                if (!directA) {
                    if (packRows) {
                        packARows(pa, m0, mc, k0, kc);
                    } else {
                        packA(pa, m0, mc, k0, kc);
                    }
                }
                for (int j = j0; j < j1; j++) {
                    int pbOff = block + j * kc * NR;
                    int cols = Math.min(NR, n - j * NR);
                    for (int i = 0; i * MR < mc; i++) {
                        int rows = Math.min(MR, mc - i * MR);
                        int row0 = m0 + i * MR;
                        if (directA) {
                            directTile(row0, rows, cols, k0, kc, panels, pbOff, j * NR, cScale, addRow, tile);
                            continue;
                        }
                        if (packRows) {
                            // The packed rows are A in place with lda = kc: the in-place kernels read them.
                            rowsTile(pa, i * MR * kc, kc, rows, row0, cols, kc, panels, pbOff, j * NR, cScale, addRow,
                                    tile);
                            continue;
                        }
                        if (rows <= SMALL_ROWS) {
                            for (int r = 0; r < rows; r++) {
                                rowKernel(pa, i * kc * MR + r, panels, pbOff, kc, tile);
                                store(tile, row0 + r, j * NR, 1, cols, cScale, addRow);
                            }
                        } else {
                            // A last column panel narrower than NR (n = 256 leaves 16 of 48) skips its padding.
                            if (cols > 2 * VL) {
                                microKernel(pa, i * kc * MR, panels, pbOff, kc, tile);
                            } else if (cols > VL) {
                                microKernel2(pa, i * kc * MR, panels, pbOff, kc, tile);
                            } else {
                                microKernel1(pa, i * kc * MR, panels, pbOff, kc, tile);
                            }
                            store(tile, row0, j * NR, rows, cols, cScale, addRow);
                        }
                    }
                }
            }
        }
    }

    /**
     * The micro-tile of C at rows from {@code row}, columns from {@code col} ({@code cols} of them) from A read in
     * place and one packed B panel: row by row for a few rows, else the 8-row kernel as wide as the panel's valid
     * columns.
     */
    private void directTile(int row, int rows, int cols, int k0, int kc, float[] pb, int pbOff, int col,
                            float cScale, boolean addRow, float[] tile) {
        rowsTile(a, aOff + row * lda + k0, lda, rows, row, cols, kc, pb, pbOff, col, cScale, addRow, tile);
    }

    /**
     * The micro-tile of C at {@code rows} (at most MR) rows from {@code row}, columns from {@code col}, from those
     * rows of A read where they lie ({@code src}, row r at {@code at + r·ld}) and one packed B panel: row by row for
     * a few rows, else the 8-row kernel as wide as the panel's valid columns.
     */
    private void rowsTile(float[] src, int at, int ld, int rows, int row, int cols, int kc, float[] pb, int pbOff,
                          int col, float cScale, boolean addRow, float[] tile) {
        if (rows <= SMALL_ROWS) {
            for (int r = 0; r < rows; r++) {
                rowKernelDirect(src, at + r * ld, pb, pbOff, kc, tile);
                store(tile, row + r, col, 1, cols, cScale, addRow);
            }
            return;
        }
        // Rows past the last repeat it; storeTile drops them.
        int last = rows - 1;
        int a0 = at;
        int a1 = at + Math.min(1, last) * ld;
        int a2 = at + Math.min(2, last) * ld;
        int a3 = at + Math.min(3, last) * ld;
        int a4 = at + Math.min(4, last) * ld;
        int a5 = at + Math.min(5, last) * ld;
        int a6 = at + Math.min(6, last) * ld;
        int a7 = at + Math.min(7, last) * ld;
        if (cols > 2 * VL) {
            microKernelDirect(src, a0, a1, a2, a3, a4, a5, a6, a7, pb, pbOff, kc, tile);
        } else if (cols > VL) {
            microKernelDirect2(src, a0, a1, a2, a3, a4, a5, a6, a7, pb, pbOff, kc, tile);
        } else {
            microKernelDirect1(src, a0, a1, a2, a3, a4, a5, a6, a7, pb, pbOff, kc, tile);
        }
        store(tile, row, col, rows, cols, cScale, addRow);
    }

    /**
     * A tile of C's rows from {@code row} and columns from {@code col} into C, or into Cᵀ when so asked; with
     * {@code addRow}, plus the row to add instead of C's contents.
     */
    private void store(float[] tile, int row, int col, int rows, int cols, float cScale, boolean addRow) {
        if (addRow) {
            storeTile(tile, c, cOff + row * ldc + col, ldc, rows, cols, 1f, rowToAdd, rowToAddOffset + col, 0);
        } else if (storeTransposed) {
            storeTileTransposed(tile, c, cOff + col * ldc + row, ldc, rows, cols, cScale);
        } else {
            storeTile(tile, c, cOff + row * ldc + col, ldc, rows, cols, cScale);
        }
    }

    /** C = beta·C over a region (zero when beta is 0, whatever C held): the whole product when k is 0. */
    private void scaleC(int r0, int r1, int c0, int c1) {
        if (beta == 1) {
            return;
        }
        for (int r = r0; r < r1; r++) {
            int row = cOff + r * ldc;
            for (int j = c0; j < c1; j++) {
                c[row + j] = beta == 0 ? 0 : beta * c[row + j];
            }
        }
    }

    /**
     * Packs op(A) rows [m0, m0+mc) × columns [k0, k0+kc), times alpha, as plain rows: element (r, p) at
     * {@code r·kc + p} (see {@link #packARows}).
     */
    private void packARows(float[] pa, int m0, int mc, int k0, int kc) {
        if (transA) {
            // op(A) = Aᵀ: eight rows of the block at a time, read as eight adjacent floats of each row of A and
            // written as eight streams.
            for (int r0 = 0; r0 < mc; r0 += 8) {
                int rows = Math.min(8, mc - r0);
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (k0 + p) * lda + m0 + r0;
                    int dst = r0 * kc + p;
                    if (rows == 8 && alpha == 1) {
                        pa[dst] = a[src];
                        pa[dst + kc] = a[src + 1];
                        pa[dst + 2 * kc] = a[src + 2];
                        pa[dst + 3 * kc] = a[src + 3];
                        pa[dst + 4 * kc] = a[src + 4];
                        pa[dst + 5 * kc] = a[src + 5];
                        pa[dst + 6 * kc] = a[src + 6];
                        pa[dst + 7 * kc] = a[src + 7];
                        continue;
                    }
                    for (int r = 0; r < rows; r++) {
                        pa[dst + r * kc] = alpha * a[src + r];
                    }
                }
            }
            return;
        }
        for (int r = 0; r < mc; r++) {
            int src = aOff + (m0 + r) * lda + k0;
            for (int p = 0; p < kc; p++) {
                pa[r * kc + p] = alpha * a[src + p];
            }
        }
    }

    /**
     * Packs op(A) rows [m0, m0+mc) × columns [k0, k0+kc), times alpha, into MR-row micro-panels: element (r, p) of
     * micro-panel i at {@code (i·kc + p)·MR + r}; rows past m are zero.
     */
    private void packA(float[] pa, int m0, int mc, int k0, int kc) {
        for (int i = 0; i * MR < mc; i++) {
            int base = i * kc * MR;
            int rowBase = m0 + i * MR;
            int rows = Math.min(MR, mc - i * MR);
            if (transA) {
                // op(A) = Aᵀ: the MR rows of a micro-panel are contiguous in each row of A.
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (k0 + p) * lda + rowBase;
                    int dst = base + p * MR;
                    if (rows == MR && alpha == 1) {
                        for (int r = 0; r < MR; r++) {
                            pa[dst + r] = a[src + r];
                        }
                        continue;
                    }
                    for (int r = 0; r < MR; r++) {
                        pa[dst + r] = r < rows ? alpha * a[src + r] : 0;
                    }
                }
            } else if (rows == MR && alpha == 1) {
                // Eight row streams read in step, the panel written contiguously: about twice as fast as
                // scattering each row into the panel with stride MR.
                int s0 = aOff + rowBase * lda + k0;
                for (int p = 0; p < kc; p++) {
                    int dst = base + p * MR;
                    int src = s0 + p;
                    pa[dst] = a[src];
                    pa[dst + 1] = a[src + lda];
                    pa[dst + 2] = a[src + 2 * lda];
                    pa[dst + 3] = a[src + 3 * lda];
                    pa[dst + 4] = a[src + 4 * lda];
                    pa[dst + 5] = a[src + 5 * lda];
                    pa[dst + 6] = a[src + 6 * lda];
                    pa[dst + 7] = a[src + 7 * lda];
                }
            } else {
                for (int r = 0; r < MR; r++) {
                    int src = aOff + (rowBase + r) * lda + k0;
                    for (int p = 0; p < kc; p++) {
                        pa[base + p * MR + r] = r < rows ? alpha * a[src + p] : 0;
                    }
                }
            }
        }
    }

    /**
     * Packs column panels [j0, j1) of op(B), all of k, KC rows at a time: element (p, col) of panel j in the block
     * starting at row k0 lives at {@code k0·nPanels·NR + j·kc·NR + (p − k0)·NR + col}; columns past n are zero.
     */
    private void packB(int j0, int j1) {
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            int block = k0 * nPanels * NR;
            for (int j = j0; j < j1; j++) {
                packPanel(panels, block + j * kc * NR, j, k0, kc);
            }
        }
    }

    /** Packs column panel {@code j} of op(B), rows [k0, k0+kc), into {@code dst} from {@code base}: (p, col) at p·NR + col. */
    private void packPanel(float[] dst, int base, int j, int k0, int kc) {
        int col0 = j * NR;
        int width = Math.min(NR, n - col0);
        if (transB && width == NR) {
            // Eight columns at a time, read as eight row streams in step and written contiguously (the same
            // transpose order that made packing A about twice as fast).
            for (int g = 0; g < NR; g += 8) {
                int s0 = bOff + (col0 + g) * ldb + k0;
                for (int p = 0; p < kc; p++) {
                    int d = base + p * NR + g;
                    int src = s0 + p;
                    dst[d] = b[src];
                    dst[d + 1] = b[src + ldb];
                    dst[d + 2] = b[src + 2 * ldb];
                    dst[d + 3] = b[src + 3 * ldb];
                    dst[d + 4] = b[src + 4 * ldb];
                    dst[d + 5] = b[src + 5 * ldb];
                    dst[d + 6] = b[src + 6 * ldb];
                    dst[d + 7] = b[src + 7 * ldb];
                }
            }
        } else if (transB) {
            for (int col = 0; col < NR; col++) {
                if (col >= width) {
                    for (int p = 0; p < kc; p++) {
                        dst[base + p * NR + col] = 0;
                    }
                    continue;
                }
                int src = bOff + (col0 + col) * ldb + k0;
                for (int p = 0; p < kc; p++) {
                    dst[base + p * NR + col] = b[src + p];
                }
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int d = base + p * NR;
                System.arraycopy(b, bOff + (k0 + p) * ldb + col0, dst, d, width);
                for (int col = width; col < NR; col++) {
                    dst[d + col] = 0;
                }
            }
        }
    }

    /**
     * One row of a packed A micro-panel (stride MR) · a packed B panel into {@code tile[0, NR)}: the matrix-vector
     * form for batch 1. Two steps of k per iteration into separate accumulators keep six multiply-adds in flight;
     * the loop is bound by the loads of B, which is what a GEMV is.
     */
    static void rowKernel(float[] pa, int paOff, float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector x0 = FloatVector.zero(S), x1 = FloatVector.zero(S), x2 = FloatVector.zero(S);
        FloatVector y0 = FloatVector.zero(S), y1 = FloatVector.zero(S), y2 = FloatVector.zero(S);
        int p = 0;
        for (; p + 1 < kc; p += 2) {
            int bo = pbOff + p * NR;
            FloatVector a = FloatVector.broadcast(S, pa[paOff + p * MR]);
            x0 = a.fma(FloatVector.fromArray(S, pb, bo), x0);
            x1 = a.fma(FloatVector.fromArray(S, pb, bo + VL), x1);
            x2 = a.fma(FloatVector.fromArray(S, pb, bo + 2 * VL), x2);
            FloatVector a2 = FloatVector.broadcast(S, pa[paOff + (p + 1) * MR]);
            y0 = a2.fma(FloatVector.fromArray(S, pb, bo + NR), y0);
            y1 = a2.fma(FloatVector.fromArray(S, pb, bo + NR + VL), y1);
            y2 = a2.fma(FloatVector.fromArray(S, pb, bo + NR + 2 * VL), y2);
        }
        for (; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector a = FloatVector.broadcast(S, pa[paOff + p * MR]);
            x0 = a.fma(FloatVector.fromArray(S, pb, bo), x0);
            x1 = a.fma(FloatVector.fromArray(S, pb, bo + VL), x1);
            x2 = a.fma(FloatVector.fromArray(S, pb, bo + 2 * VL), x2);
        }
        x0.add(y0).intoArray(tile, 0);
        x1.add(y1).intoArray(tile, VL);
        x2.add(y2).intoArray(tile, 2 * VL);
    }

    /** {@link #microKernel} for a last column panel only 2 vectors wide: no multiply-adds on its zero padding. */
    static void microKernel2(float[] pa, int paOff, float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + VL);
            FloatVector x;
            x = FloatVector.broadcast(S, pa[paOff + p * MR]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 6]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 7]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, 0 + VL);
        c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + VL);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + VL);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + VL);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + VL);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + VL);
        c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + VL);
        c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + VL);
    }

    /** {@link #microKernel} for a last column panel only 1 vector wide: no multiply-adds on its zero padding. */
    static void microKernel1(float[] pa, int paOff, float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector x;
            x = FloatVector.broadcast(S, pa[paOff + p * MR]);
            c00 = x.fma(b0, c00);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 1]);
            c10 = x.fma(b0, c10);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 2]);
            c20 = x.fma(b0, c20);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 3]);
            c30 = x.fma(b0, c30);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 4]);
            c40 = x.fma(b0, c40);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 5]);
            c50 = x.fma(b0, c50);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 6]);
            c60 = x.fma(b0, c60);
            x = FloatVector.broadcast(S, pa[paOff + p * MR + 7]);
            c70 = x.fma(b0, c70);
        }
        c00.intoArray(tile, 0);
        c10.intoArray(tile, 1 * NR);
        c20.intoArray(tile, 2 * NR);
        c30.intoArray(tile, 3 * NR);
        c40.intoArray(tile, 4 * NR);
        c50.intoArray(tile, 5 * NR);
        c60.intoArray(tile, 6 * NR);
        c70.intoArray(tile, 7 * NR);
    }

    /** {@link #microKernelDirect} for a last column panel only 2 vectors wide. */
    static void microKernelDirect2(float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7,
                                   float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + VL);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, 0 + VL);
        c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + VL);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + VL);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + VL);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + VL);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + VL);
        c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + VL);
        c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + VL);
    }

    /** {@link #microKernelDirect} for a last column panel only 1 vector wide. */
    static void microKernelDirect1(float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7,
                                   float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
        }
        c00.intoArray(tile, 0);
        c10.intoArray(tile, 1 * NR);
        c20.intoArray(tile, 2 * NR);
        c30.intoArray(tile, 3 * NR);
        c40.intoArray(tile, 4 * NR);
        c50.intoArray(tile, 5 * NR);
        c60.intoArray(tile, 6 * NR);
        c70.intoArray(tile, 7 * NR);
    }

    /** {@link #rowKernel} on one row of A read in place (unit stride) from {@code aAt}. */
    static void rowKernelDirect(float[] a, int aAt, float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector x0 = FloatVector.zero(S), x1 = FloatVector.zero(S), x2 = FloatVector.zero(S);
        FloatVector y0 = FloatVector.zero(S), y1 = FloatVector.zero(S), y2 = FloatVector.zero(S);
        int p = 0;
        for (; p + 1 < kc; p += 2) {
            int bo = pbOff + p * NR;
            FloatVector av = FloatVector.broadcast(S, a[aAt + p]);
            x0 = av.fma(FloatVector.fromArray(S, pb, bo), x0);
            x1 = av.fma(FloatVector.fromArray(S, pb, bo + VL), x1);
            x2 = av.fma(FloatVector.fromArray(S, pb, bo + 2 * VL), x2);
            FloatVector a2 = FloatVector.broadcast(S, a[aAt + p + 1]);
            y0 = a2.fma(FloatVector.fromArray(S, pb, bo + NR), y0);
            y1 = a2.fma(FloatVector.fromArray(S, pb, bo + NR + VL), y1);
            y2 = a2.fma(FloatVector.fromArray(S, pb, bo + NR + 2 * VL), y2);
        }
        for (; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector av = FloatVector.broadcast(S, a[aAt + p]);
            x0 = av.fma(FloatVector.fromArray(S, pb, bo), x0);
            x1 = av.fma(FloatVector.fromArray(S, pb, bo + VL), x1);
            x2 = av.fma(FloatVector.fromArray(S, pb, bo + 2 * VL), x2);
        }
        x0.add(y0).intoArray(tile, 0);
        x1.add(y1).intoArray(tile, VL);
        x2.add(y2).intoArray(tile, 2 * VL);
    }

    /**
     * {@link #microKernel} with the eight rows of A read in place from {@code a0..a7} (unit stride along k) instead
     * of from a packed micro-panel.
     */
    static void microKernelDirect(float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7,
                                  float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + VL);
            FloatVector b2 = FloatVector.fromArray(S, pb, bo + 2 * VL);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61); c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71); c72 = x.fma(b2, c72);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, 0 + VL); c02.intoArray(tile, 0 + 2 * VL);
        c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + VL); c12.intoArray(tile, 1 * NR + 2 * VL);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + VL); c22.intoArray(tile, 2 * NR + 2 * VL);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + VL); c32.intoArray(tile, 3 * NR + 2 * VL);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + VL); c42.intoArray(tile, 4 * NR + 2 * VL);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + VL); c52.intoArray(tile, 5 * NR + 2 * VL);
        c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + VL); c62.intoArray(tile, 6 * NR + 2 * VL);
        c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + VL); c72.intoArray(tile, 7 * NR + 2 * VL);
    }

    /**
     * {@link #storeTile} into a transposed C: tile element (r, q) to {@code c[cAt + q·ldc + r]}, the same arithmetic
     * element by element. The tile's rows are few (8), so each column of it is a short contiguous run of C.
     */
    static void storeTileTransposed(float[] tile, float[] c, int cAt, int ldc, int rows, int cols, float cScale) {
        for (int q = 0; q < cols; q++) {
            int out = cAt + q * ldc;
            for (int r = 0; r < rows; r++) {
                float t = tile[r * NR + q];
                c[out + r] = cScale == 0 ? t : cScale == 1 ? c[out + r] + t : cScale * c[out + r] + t;
            }
        }
    }

    /**
     * {@code C[rows×cols] = cScale·C + tile} (tile rows NR apart), whole vectors where a row is full; with
     * {@code cScale} 0, C is overwritten whatever it held (even NaN).
     */
    static void storeTile(float[] tile, float[] c, int cAt, int ldc, int rows, int cols, float cScale) {
        storeTile(tile, c, cAt, ldc, rows, cols, cScale, c, cAt, ldc);
    }

    /**
     * {@code C[rows×cols] = cScale·S + tile}, S read from {@code src} (row r at {@code srcAt + r·srcLd}): C itself
     * in {@link #storeTile(float[], float[], int, int, int, int, float)}, the row added to every row of C
     * ({@code srcLd} 0) in {@link #gemmPlusRow}, so that both make the same additions.
     */
    private static void storeTile(float[] tile, float[] c, int cAt, int ldc, int rows, int cols, float cScale,
                                  float[] src, int srcAt, int srcLd) {
        for (int r = 0; r < rows; r++) {
            int row = cAt + r * ldc;
            int from = srcAt + r * srcLd;
            int j = 0;
            if (cols == NR) {
                for (; j < NR; j += VL) {
                    FloatVector t = FloatVector.fromArray(S, tile, r * NR + j);
                    if (cScale == 1) {
                        t = t.add(FloatVector.fromArray(S, src, from + j));
                    } else if (cScale != 0) {
                        t = FloatVector.fromArray(S, src, from + j).mul(cScale).add(t);
                    }
                    t.intoArray(c, row + j);
                }
            }
            for (; j < cols; j++) {
                float t = tile[r * NR + j];
                c[row + j] = cScale == 0 ? t : cScale == 1 ? src[from + j] + t : cScale * src[from + j] + t;
            }
        }
    }

    /**
     * C rows [i0, i0+DOT_MR) × columns [j0, j0+DOT_NR) as dot products of rows of A and of Bᵀ (row j of Bᵀ is column
     * j of op(B)). Rows and columns past the matrix repeat the last one, so the kernel has no edges; only the valid
     * part of the tile is stored.
     */
    private void dotTile(float[] tile, int i0, int j0) {
        int a0 = aOff + i0 * lda;
        int a1 = aOff + Math.min(i0 + 1, m - 1) * lda;
        int a2 = aOff + Math.min(i0 + 2, m - 1) * lda;
        int b0 = bOff + j0 * ldb;
        int b1 = bOff + Math.min(j0 + 1, n - 1) * ldb;
        int b2 = bOff + Math.min(j0 + 2, n - 1) * ldb;
        int b3 = bOff + Math.min(j0 + 3, n - 1) * ldb;
        int b4 = bOff + Math.min(j0 + 4, n - 1) * ldb;
        int b5 = bOff + Math.min(j0 + 5, n - 1) * ldb;
        int b6 = bOff + Math.min(j0 + 6, n - 1) * ldb;
        int b7 = bOff + Math.min(j0 + 7, n - 1) * ldb;
        int kVec = k / VL * VL;
        int rows = Math.min(dotRows(m), m - i0);
        if (rows == 1) {
            dotKernel1(a, a0, b, b0, b1, b2, b3, b4, b5, b6, b7, kVec, tile);
        } else if (rows == 2) {
            dotKernel2(a, a0, a1, b, b0, b1, b2, b3, b4, b5, b6, b7, kVec, tile);
        } else {
            dotKernel(a, a0, a1, a2, b, b0, b1, b2, b3, b4, b5, b6, b7, kVec, tile);
        }
        int cols = Math.min(DOT_NR, n - j0);
        for (int r = 0; r < rows; r++) {
            int ar = aOff + (i0 + r) * lda;
            int cRow = cOff + (i0 + r) * ldc + j0;
            for (int col = 0; col < cols; col++) {
                int bc = bOff + (j0 + col) * ldb;
                // Lanes summed in scalar code: a vector reduceLanes(ADD) of floats is a serial chain, several
                // times slower (measured) than these adds, which the CPU overlaps.
                int lanes = (r * DOT_NR + col) * VL;
                float sum = 0;
                for (int l = 0; l < VL; l++) {
                    sum += tile[lanes + l];
                }
                for (int p = kVec; p < k; p++) {
                    sum += a[ar + p] * b[bc + p];
                }
                c[cRow + col] = beta == 0 ? alpha * sum : alpha * sum + beta * c[cRow + col];
            }
        }
    }

    /**
     * Rows of A per dot-product tile for an A of {@code m ≤ DOT_ROWS} rows: 1, 2 or 3, so that no tile spends its
     * multiply-adds on repeated rows (batch 1 and 2 with the three-row kernel ran 2.4 times slower, measured). Each
     * kernel sums a C element in the same order (VL lanes over k, then the lanes in turn), so which one computed it
     * never shows in its bits.
     */
    private static int dotRows(int m) {
        return m == 1 ? 1 : m == 2 || m == 4 ? 2 : DOT_MR;
    }

    /** {@link #dotKernel} for one row of A: the matrix-vector product of batch 1, bound by the loads of Bᵀ. */
    static void dotKernel1(float[] a, int a0, float[] b, int b0, int b1, int b2, int b3, int b4, int b5, int b6,
                           int b7, int kVec, float[] tile) {
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S), s4 = FloatVector.zero(S), s5 = FloatVector.zero(S);
        FloatVector s6 = FloatVector.zero(S), s7 = FloatVector.zero(S);
        for (int p = 0; p < kVec; p += VL) {
            FloatVector x = FloatVector.fromArray(S, a, a0 + p);
            s0 = x.fma(FloatVector.fromArray(S, b, b0 + p), s0);
            s1 = x.fma(FloatVector.fromArray(S, b, b1 + p), s1);
            s2 = x.fma(FloatVector.fromArray(S, b, b2 + p), s2);
            s3 = x.fma(FloatVector.fromArray(S, b, b3 + p), s3);
            s4 = x.fma(FloatVector.fromArray(S, b, b4 + p), s4);
            s5 = x.fma(FloatVector.fromArray(S, b, b5 + p), s5);
            s6 = x.fma(FloatVector.fromArray(S, b, b6 + p), s6);
            s7 = x.fma(FloatVector.fromArray(S, b, b7 + p), s7);
        }
        s0.intoArray(tile, 0 * VL);
        s1.intoArray(tile, 1 * VL);
        s2.intoArray(tile, 2 * VL);
        s3.intoArray(tile, 3 * VL);
        s4.intoArray(tile, 4 * VL);
        s5.intoArray(tile, 5 * VL);
        s6.intoArray(tile, 6 * VL);
        s7.intoArray(tile, 7 * VL);
    }

    /** {@link #dotKernel} for two rows of A. */
    static void dotKernel2(float[] a, int a0, int a1, float[] b, int b0, int b1, int b2, int b3, int b4, int b5,
                           int b6, int b7, int kVec, float[] tile) {
        FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S), s02 = FloatVector.zero(S);
        FloatVector s03 = FloatVector.zero(S), s04 = FloatVector.zero(S), s05 = FloatVector.zero(S);
        FloatVector s06 = FloatVector.zero(S), s07 = FloatVector.zero(S);
        FloatVector s10 = FloatVector.zero(S), s11 = FloatVector.zero(S), s12 = FloatVector.zero(S);
        FloatVector s13 = FloatVector.zero(S), s14 = FloatVector.zero(S), s15 = FloatVector.zero(S);
        FloatVector s16 = FloatVector.zero(S), s17 = FloatVector.zero(S);
        for (int p = 0; p < kVec; p += VL) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector w;
            w = FloatVector.fromArray(S, b, b0 + p);
            s00 = x0.fma(w, s00); s10 = x1.fma(w, s10);
            w = FloatVector.fromArray(S, b, b1 + p);
            s01 = x0.fma(w, s01); s11 = x1.fma(w, s11);
            w = FloatVector.fromArray(S, b, b2 + p);
            s02 = x0.fma(w, s02); s12 = x1.fma(w, s12);
            w = FloatVector.fromArray(S, b, b3 + p);
            s03 = x0.fma(w, s03); s13 = x1.fma(w, s13);
            w = FloatVector.fromArray(S, b, b4 + p);
            s04 = x0.fma(w, s04); s14 = x1.fma(w, s14);
            w = FloatVector.fromArray(S, b, b5 + p);
            s05 = x0.fma(w, s05); s15 = x1.fma(w, s15);
            w = FloatVector.fromArray(S, b, b6 + p);
            s06 = x0.fma(w, s06); s16 = x1.fma(w, s16);
            w = FloatVector.fromArray(S, b, b7 + p);
            s07 = x0.fma(w, s07); s17 = x1.fma(w, s17);
        }
        s00.intoArray(tile, 0 * VL);
        s01.intoArray(tile, 1 * VL);
        s02.intoArray(tile, 2 * VL);
        s03.intoArray(tile, 3 * VL);
        s04.intoArray(tile, 4 * VL);
        s05.intoArray(tile, 5 * VL);
        s06.intoArray(tile, 6 * VL);
        s07.intoArray(tile, 7 * VL);
        s10.intoArray(tile, 8 * VL);
        s11.intoArray(tile, 9 * VL);
        s12.intoArray(tile, 10 * VL);
        s13.intoArray(tile, 11 * VL);
        s14.intoArray(tile, 12 * VL);
        s15.intoArray(tile, 13 * VL);
        s16.intoArray(tile, 14 * VL);
        s17.intoArray(tile, 15 * VL);
    }

    /**
     * Three rows of A (at a0, a1, a2) dotted with eight rows of Bᵀ (b0..b7) over [0, kVec), kVec a multiple of VL,
     * into the VL lanes at {@code tile[(r·DOT_NR + c)·VL]} (the caller sums them): per VL-wide step three loads
     * of A, eight of B and 24 multiply-adds into vector accumulators. Branch-free, no vector crossing a call.
     */
    static void dotKernel(float[] a, int a0, int a1, int a2, float[] b, int b0, int b1, int b2, int b3, int b4,
                          int b5, int b6, int b7, int kVec, float[] tile) {
        FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S), s02 = FloatVector.zero(S);
        FloatVector s03 = FloatVector.zero(S), s04 = FloatVector.zero(S), s05 = FloatVector.zero(S);
        FloatVector s06 = FloatVector.zero(S), s07 = FloatVector.zero(S);
        FloatVector s10 = FloatVector.zero(S), s11 = FloatVector.zero(S), s12 = FloatVector.zero(S);
        FloatVector s13 = FloatVector.zero(S), s14 = FloatVector.zero(S), s15 = FloatVector.zero(S);
        FloatVector s16 = FloatVector.zero(S), s17 = FloatVector.zero(S);
        FloatVector s20 = FloatVector.zero(S), s21 = FloatVector.zero(S), s22 = FloatVector.zero(S);
        FloatVector s23 = FloatVector.zero(S), s24 = FloatVector.zero(S), s25 = FloatVector.zero(S);
        FloatVector s26 = FloatVector.zero(S), s27 = FloatVector.zero(S);
        for (int p = 0; p < kVec; p += VL) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector x2 = FloatVector.fromArray(S, a, a2 + p);
            FloatVector w;
            w = FloatVector.fromArray(S, b, b0 + p);
            s00 = x0.fma(w, s00); s10 = x1.fma(w, s10); s20 = x2.fma(w, s20);
            w = FloatVector.fromArray(S, b, b1 + p);
            s01 = x0.fma(w, s01); s11 = x1.fma(w, s11); s21 = x2.fma(w, s21);
            w = FloatVector.fromArray(S, b, b2 + p);
            s02 = x0.fma(w, s02); s12 = x1.fma(w, s12); s22 = x2.fma(w, s22);
            w = FloatVector.fromArray(S, b, b3 + p);
            s03 = x0.fma(w, s03); s13 = x1.fma(w, s13); s23 = x2.fma(w, s23);
            w = FloatVector.fromArray(S, b, b4 + p);
            s04 = x0.fma(w, s04); s14 = x1.fma(w, s14); s24 = x2.fma(w, s24);
            w = FloatVector.fromArray(S, b, b5 + p);
            s05 = x0.fma(w, s05); s15 = x1.fma(w, s15); s25 = x2.fma(w, s25);
            w = FloatVector.fromArray(S, b, b6 + p);
            s06 = x0.fma(w, s06); s16 = x1.fma(w, s16); s26 = x2.fma(w, s26);
            w = FloatVector.fromArray(S, b, b7 + p);
            s07 = x0.fma(w, s07); s17 = x1.fma(w, s17); s27 = x2.fma(w, s27);
        }
        s00.intoArray(tile, 0 * VL);
        s01.intoArray(tile, 1 * VL);
        s02.intoArray(tile, 2 * VL);
        s03.intoArray(tile, 3 * VL);
        s04.intoArray(tile, 4 * VL);
        s05.intoArray(tile, 5 * VL);
        s06.intoArray(tile, 6 * VL);
        s07.intoArray(tile, 7 * VL);
        s10.intoArray(tile, 8 * VL);
        s11.intoArray(tile, 9 * VL);
        s12.intoArray(tile, 10 * VL);
        s13.intoArray(tile, 11 * VL);
        s14.intoArray(tile, 12 * VL);
        s15.intoArray(tile, 13 * VL);
        s16.intoArray(tile, 14 * VL);
        s17.intoArray(tile, 15 * VL);
        s20.intoArray(tile, 16 * VL);
        s21.intoArray(tile, 17 * VL);
        s22.intoArray(tile, 18 * VL);
        s23.intoArray(tile, 19 * VL);
        s24.intoArray(tile, 20 * VL);
        s25.intoArray(tile, 21 * VL);
        s26.intoArray(tile, 22 * VL);
        s27.intoArray(tile, 23 * VL);
    }

    /**
     * A packed A micro-panel [MR×kc] · a packed B panel [kc×NR] into {@code tile} (MR rows, NR apart): an outer
     * product per k, the 8×3-vector tile held in 24 accumulators (three quarters of the 32 vector registers), one
     * broadcast of A per row and three loads of B per k. Deliberately branch-free and with no vector crossing a
     * call: either makes C2's code depend on the profile and, in some runs, box the accumulators, which was
     * measured at 6 to 10 times slower.
     */
    static void microKernel(float[] pa, int paOff, float[] pb, int pbOff, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c62 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S), c72 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bo = pbOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bo);
            FloatVector b1 = FloatVector.fromArray(S, pb, bo + VL);
            FloatVector b2 = FloatVector.fromArray(S, pb, bo + 2 * VL);
            int ao = paOff + p * MR;
            FloatVector a;
            a = FloatVector.broadcast(S, pa[ao]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01); c02 = a.fma(b2, c02);
            a = FloatVector.broadcast(S, pa[ao + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11); c12 = a.fma(b2, c12);
            a = FloatVector.broadcast(S, pa[ao + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21); c22 = a.fma(b2, c22);
            a = FloatVector.broadcast(S, pa[ao + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31); c32 = a.fma(b2, c32);
            a = FloatVector.broadcast(S, pa[ao + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41); c42 = a.fma(b2, c42);
            a = FloatVector.broadcast(S, pa[ao + 5]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51); c52 = a.fma(b2, c52);
            a = FloatVector.broadcast(S, pa[ao + 6]);
            c60 = a.fma(b0, c60); c61 = a.fma(b1, c61); c62 = a.fma(b2, c62);
            a = FloatVector.broadcast(S, pa[ao + 7]);
            c70 = a.fma(b0, c70); c71 = a.fma(b1, c71); c72 = a.fma(b2, c72);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, 0 + VL); c02.intoArray(tile, 0 + 2 * VL);
        c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + VL); c12.intoArray(tile, 1 * NR + 2 * VL);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + VL); c22.intoArray(tile, 2 * NR + 2 * VL);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + VL); c32.intoArray(tile, 3 * NR + 2 * VL);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + VL); c42.intoArray(tile, 4 * NR + 2 * VL);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + VL); c52.intoArray(tile, 5 * NR + 2 * VL);
        c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + VL); c62.intoArray(tile, 6 * NR + 2 * VL);
        c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + VL); c72.intoArray(tile, 7 * NR + 2 * VL);
    }
}
