package dev.rnn4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * SGEMM with the Vector API, in the classic layered form: C is cut into tiles of MR rows × NR columns computed by a
 * register-blocked micro-kernel ({@link PanelKernels}) from packed panels ({@link GemmPacking}): A in blocks of
 * MC × KC (alpha folded in), B in panels of KC × NR. Tiles go to C through {@link TileStores}; an A of a few rows
 * goes row by row through the row kernels. This class plans a call and splits it across the pool: by row
 * blocks when there are enough rows, otherwise (the recurrent GEMM: a batch of rows, many columns) by column panels.
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
    /**
     * Whether the machine has 32 vector registers (AVX-512; aarch64's NEON and SVE) rather than 16 (x86 below
     * AVX-512: AVX2, SSE). The 8-row tile three vectors wide keeps 24 accumulators, three vectors of B and a
     * broadcast of A in registers only with 32; with 16 it spilled on every k. There each micro-panel is computed
     * as two halves of 4 rows × 3 vectors (12 accumulators: the register budget exactly, OpenBLAS's Haswell shape)
     * and the narrower last panels one vector at a time. {@code -Drnn4j.cpu.registers=16|32} overrides the guess.
     * Without hardware FMA the tile is the narrow one whatever the registers: the wide tile's kernels, each
     * multiply-add a multiply and an add, exceed C2's inlining budget ({@code NodeCountInliningCutoff} in
     * {@code -XX:+PrintInlining}) and ran as interpreted Vector API calls, 5 GFLOP/s against 57 on the narrow tile
     * (64×1024×1024, 512-bit vectors under {@code -XX:-UseFMA}, 2 threads). Machines without FMA have 16 registers
     * anyway (SSE, AVX).
     */
    static final boolean WIDE_REGISTERS = MultiplyAdd.FUSED && RegisterFile.wide(System.getProperty(
            RegisterFile.PROPERTY), System.getProperty("os.arch"), S.vectorBitSize());
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
     * A micro-panel with at most this many valid rows (batch 1 or 2, or the last rows of a batch) is computed row by
     * row; from 3 rows on the 8-row tile, padding and all, wins, as it reads B once instead of once per row: batch 4
     * went from 1.03-1.07 to 0.84 ms on infer:LSTM:256:256:4:50 and batch 3 from 3.2-3.4 to 2.8 ms on
     * infer:LSTM:512:512:3:50 with 2 rather than 4 here (batches 1 and 2 unchanged; two runs each, interleaved).
     * A short A times a Bᵀ (the recurrent GEMM at small batches) reads B's packed panels, packed into scratch on
     * B's first uses and kept in the cache from its second: the same kernel on the same layout either way, so the
     * bits do not depend on earlier calls. That replaced dot products of rows read in place, whose 16-lane
     * reductions dominated small k: infer:LSTM:64:64:4:10 0.059 → 0.026 ms, infer:LSTM:256:256:1:100 0.86 → 0.60
     * ms, infer:GRU:256:256:1:100 0.67 → 0.42 ms.
     */
    static final int SMALL_ROWS = 2;
    /** A tile of A read in place with at most this many valid rows takes the four-row kernel, if three vectors wide. */
    static final int HALF_TILE_ROWS = 4;
    /**
     * A with at most this many rows (and more than {@link #SMALL_ROWS}) times a Bᵀ on its first use is computed as
     * Cᵀ = B·Aᵀ (see gemm()); measured better than transposing B up to 64 rows (48: 130 GFLOP/s at 64×4096×1024ᵀ,
     * 64: 165).
     */
    static final int SWAP_ROWS = 64;
    /** Below this many multiply-adds the pool's hand-off costs more than it saves. */
    static final long PARALLEL_THRESHOLD = 1L << 17;
    private final WorkerPool pool;
    /** Whether a packed A is packed as plain rows ({@link GemmPacking#aAsRows}). */
    private final boolean packRows;
    /**
     * Whether every element of C is the 8-row panel kernel's chain of multiply-adds, whatever m is: no row kernel
     * for a few rows or the last rows of A (it sums even and odd k apart). A row of C then
     * has the same bits in a batch of one as in a batch of a thousand, at the price of computing short A on the
     * padding of a full tile (see {@link CpuBackendProvider#BATCH_INVARIANT_PROPERTY}).
     */
    private final boolean batchInvariant;
    private final float[][] packedA;
    private final float[][] tiles;
    /** Per part: the second tile of a pair of panels ({@link PanelKernels#microKernelDirect4Pair}). */
    private final float[][] pairTiles;
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
    private boolean packInPlace;
    /** The running product's B in bfloat16 or int8 ({@link #compactOperand}), or null. */
    private CompactPanels compact;
    /** Scratch for Cᵀ when a product is computed transposed; grows to the largest shape seen. */
    private CpuBuffer transposedC = new CpuBuffer(dev.rnn4j.ElementType.FLOAT32, 0);
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

    /**
     * @throws IllegalArgumentException when {@code -Drnn4j.cpu.packA} holds neither panels nor rows, or
     *                                  {@code -Drnn4j.cpu.batchInvariant} neither true nor false
     */
    VectorGemm(WorkerPool pool) {
        this(pool, GemmPacking.aAsRows(System.getProperty(GemmPacking.PROPERTY), Runtime.version().feature()),
                CpuBackendProvider.batchInvariant());
    }

    /** @param packRows whether a packed A is packed as plain rows (see {@link GemmPacking#aAsRows}) */
    VectorGemm(WorkerPool pool, boolean packRows) {
        this(pool, packRows, false);
    }

    /**
     * @param packRows       whether a packed A is packed as plain rows (see {@link GemmPacking#aAsRows})
     * @param batchInvariant whether each row of C comes out the same whatever the number of rows
     */
    VectorGemm(WorkerPool pool, boolean packRows, boolean batchInvariant) {
        this.packRows = packRows;
        this.batchInvariant = batchInvariant;
        this.pool = pool;
        this.packedA = new float[pool.parts()][MC * KC];
        this.tiles = new float[pool.parts()][MR * NR];
        this.pairTiles = new float[pool.parts()][MR * NR];
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
     * default. Short A (the row-kernel and swapped paths) and k = 0 take the default.
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
     * C = A·Bᵀ ({@code m × n}, row stride {@code ldc}) for an A read in place and a B packed beforehand: float
     * panels in {@link GemmPacking#packB}'s layout, or, for the row kernels, compact ones. On the calling thread
     * alone, with no cache lookup and no hand-off: each part of a {@link StepLoop} runs one such GEMM of its own on
     * its own slice of the weights. The kernels are those {@link #gemm} picks for the same shape, so the bits are
     * the ones the whole product would give.
     *
     * @param compact the compact panels to read instead of {@code panels}, only where {@link #readsCompactRows}
     */
    synchronized void multiplyPacked(int m, int n, int k, float[] a, int aOffset, int lda, float[] panels,
                                     CompactPanels compact, float[] c, int cOffset, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        storeTransposed = false;
        transA = false;
        transB = true;
        this.m = m;
        this.n = n;
        this.k = k;
        alpha = 1f;
        beta = 0f;
        aOff = aOffset;
        bOff = 0;
        cOff = cOffset;
        this.lda = lda;
        ldb = k;
        this.ldc = ldc;
        nPanels = (n + NR - 1) / NR;
        mPanels = (m + MR - 1) / MR;
        splitColumns = true;
        packing = false;
        packInPlace = false;
        this.a = a;
        this.c = c;
        this.panels = panels;
        this.compact = compact;
        try {
            run(0, 1);
        } finally {
            this.a = this.c = this.panels = null;
            this.compact = null;
        }
    }

    /** Whether a product of {@code m} rows reads a weight's compact panels (the row kernels), not float ones. */
    boolean readsCompactRows(int m) {
        return byRows(m);
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
            int packedSize = Math.multiplyExact(k, nPanels * NR);
            PackedOperandCache.Entry entry = b.packed.lookup(bOffset, ldb, transB, k, n, b.version());
            compact = compactOperand(b, entry, bOffset, ldb);
            if (compact != null) {
                this.c = CpuBuffer.floatsForWrite(c);
                runParts(parallel);
                return;
            }
            if (!entry.valid && entry.uses < 2 && transB && !transA && m > SMALL_ROWS && m <= SWAP_ROWS && n >= 4 * m
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
            compact = null;
            packInPlace = false;
        }
    }

    /**
     * The running product's B as bfloat16 or int8 panels, or null: only for the row kernels (a batch of one or two
     * rows, the memory-bound case) and a B declared compact and unchanged since. Larger batches read the float
     * panels of the same values, since there each weight loaded serves several rows.
     */
    private CompactPanels compactOperand(CpuBuffer operand, PackedOperandCache.Entry entry, int offset, int ld) {
        if (!byRows(m) || !transB || transA || alpha != 1 || k == 0 || storeTransposed) {
            return null;
        }
        CompactWeights declared = operand.compactWeights;
        if (declared == null || !declared.covers(operand.version(), offset, ld, n, k)) {
            return null;
        }
        float[] values = b;
        int rows = n;
        int depth = k;
        return operand.packed.compact(entry, () -> CompactPanels.pack(values, offset, ld, rows, depth, declared,
                offset / ld));
    }

    @Override
    public boolean readsCompactWeights() {
        return !batchInvariant;
    }

    /** Rows [r0, r1) × panels [j0, j1) of a product whose B is compact: the row kernel per row, depth block and panel. */
    private void compactRows(int r0, int r1, int j0, int j1, float[] tile) {
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            float cScale = k0 == 0 ? beta : 1f;
            for (int j = j0; j < j1; j++) {
                int wo = compact.panelOffset(k0, kc, nPanels, j);
                int cols = Math.min(NR, n - j * NR);
                for (int row = r0; row < r1; row++) {
                    CompactKernels.rowKernel(compact, a, aOff + row * lda + k0, wo, kc, j * NR, tile);
                    store(tile, row, j * NR, 1, cols, cScale, false);
                }
            }
        }
    }

    private float[] transposedScratch(long floats) {
        if (transposedC.size() < floats) {
            transposedC = new CpuBuffer(dev.rnn4j.ElementType.FLOAT32, Math.toIntExact(floats));
        }
        return CpuBuffer.floatsForRead(transposedC);
    }

    /** Whether {@code rows} rows of A are all computed by the 8-row panel kernel, none by the row kernel. */
    private boolean panelKernelOnly(int rows) {
        return batchInvariant || rows % MR == 0 || rows % MR > SMALL_ROWS;
    }

    /** Whether a micro-panel of {@code rows} valid rows goes row by row through the row kernel. */
    private boolean byRows(int rows) {
        return rows <= SMALL_ROWS && !batchInvariant;
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
        if (packing) {
            GemmPacking.packB(panels, b, bOff, ldb, transB, n, k, nPanels, WorkerPool.begin(nPanels, part, parts),
                    WorkerPool.begin(nPanels, part + 1, parts));
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
        if (compact != null) {
            compactRows(r0, r1, j0, j1, tiles[part]);
            return;
        }
        float[] pa = packedA[part];
        float[] tile = tiles[part];
        // An untransposed A with alpha 1 is read in place, eight row streams at once: packing it cost 5-20% of a
        // GEMM whose C is narrow (few multiply-adds per element of A), and the rows stream from cache just as well.
        boolean directA = !transA && alpha == 1;
        if (splitColumns && directA && !packInPlace && mPanels > 1 && nPanels % parts != 0) {
            tilesOfPart(part, parts, tile);
            return;
        }
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
                    GemmPacking.packPanel(pb, 0, b, bOff, ldb, transB, n, j, k0, kc);
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
                        GemmPacking.packARows(pa, a, aOff, lda, transA, alpha, m0, mc, k0, kc);
                    } else {
                        GemmPacking.packA(pa, a, aOff, lda, transA, alpha, m0, mc, k0, kc);
                    }
                }
                int j = j0;
                if (directA && pairsPanels(mc)) {
                    // Three or four rows in all: full panels two at a time, so each broadcast of A serves twice as
                    // many weights; an odd or narrow last panel goes on below.
                    for (; j + 1 < j1 && (j + 2) * NR <= n; j += 2) {
                        pairTile(m0, mc, j, k0, kc, block, cScale, addRow, tile, pairTiles[part]);
                    }
                }
                for (; j < j1; j++) {
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
                        if (byRows(rows)) {
                            for (int r = 0; r < rows; r++) {
                                PanelKernels.rowKernel(pa, i * kc * MR + r, panels, pbOff, kc, tile);
                                store(tile, row0 + r, j * NR, 1, cols, cScale, addRow);
                            }
                        } else {
                            // A last column panel narrower than NR (n = 256 leaves 16 of 48) skips its padding.
                            int paOff = i * kc * MR;
                            if (!WIDE_REGISTERS) {
                                narrowTile(pa, paOff, rows, cols, panels, pbOff, kc, tile);
                            } else if (cols > 2 * VL) {
                                PanelKernels.microKernel(pa, paOff, panels, pbOff, kc, tile);
                            } else if (cols > VL) {
                                PanelKernels.microKernel2(pa, paOff, panels, pbOff, kc, tile);
                            } else {
                                PanelKernels.microKernel1(pa, paOff, panels, pbOff, kc, tile, 0);
                            }
                            store(tile, row0, j * NR, rows, cols, cScale, addRow);
                        }
                    }
                }
            }
        }
    }

    /**
     * Part {@code part}'s share of a product whose column panels do not divide evenly among the parts, A read in
     * place: the tiles (row block × panel) dealt out instead, panel by panel so that a part's tiles share panels.
     * The backward step's dh = dG·W_hh at H = 128 has three panels, which two parts split one and two, and the
     * first waited a third of the product for the second (5% of train:LSTM:128:128:16:100's samples). The tiles
     * and their kernels are those of the column split, so the bits are too.
     */
    private void tilesOfPart(int part, int parts, float[] tile) {
        int total = mPanels * nPanels;
        int q0 = WorkerPool.begin(total, part, parts);
        int q1 = WorkerPool.begin(total, part + 1, parts);
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            int block = k0 * nPanels * NR;
            float cScale = k0 == 0 ? beta : 1f;
            boolean addRow = k0 == 0 && rowToAdd != null;
            for (int q = q0; q < q1; q++) {
                int j = q / mPanels;
                int row = (q % mPanels) * MR;
                directTile(row, Math.min(MR, m - row), Math.min(NR, n - j * NR), k0, kc, panels, block + j * kc * NR,
                        j * NR, cScale, addRow, tile);
            }
        }
    }

    /** Whether a block of {@code rows} rows of A read in place takes full panels in pairs. */
    private boolean pairsPanels(int rows) {
        return WIDE_REGISTERS && rows <= HALF_TILE_ROWS && !byRows(rows);
    }

    /** Rows {@code [row, row + rows)} (at most four) × full panels {@code j} and {@code j + 1}, A read in place. */
    private void pairTile(int row, int rows, int j, int k0, int kc, int block, float cScale, boolean addRow,
                          float[] tile, float[] tile2) {
        // Rows past the last repeat it; the stores drop them.
        int last = rows - 1;
        int at = aOff + row * lda + k0;
        PanelKernels.microKernelDirect4Pair(a, at, at + Math.min(1, last) * lda, at + Math.min(2, last) * lda,
                at + Math.min(3, last) * lda, panels, block + j * kc * NR, block + (j + 1) * kc * NR, kc, tile, tile2);
        store(tile, row, j * NR, rows, NR, cScale, addRow);
        store(tile2, row, (j + 1) * NR, rows, NR, cScale, addRow);
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
        if (byRows(rows)) {
            for (int r = 0; r < rows; r++) {
                PanelKernels.rowKernelDirect(src, at + r * ld, pb, pbOff, kc, tile);
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
        if (cols > 2 * VL && (rows <= HALF_TILE_ROWS || !WIDE_REGISTERS)) {
            PanelKernels.microKernelDirect4(src, a0, a1, a2, a3, pb, pbOff, kc, tile, 0);
            if (rows > HALF_TILE_ROWS) {
                PanelKernels.microKernelDirect4(src, a4, a5, a6, a7, pb, pbOff, kc, tile, HALF_TILE_ROWS * NR);
            }
        } else if (cols > 2 * VL) {
            PanelKernels.microKernelDirect(src, a0, a1, a2, a3, a4, a5, a6, a7, pb, pbOff, kc, tile);
        } else if (rows <= HALF_TILE_ROWS) {
            // A narrow last panel of at most four rows: one vector of columns at a time on four rows.
            for (int v = 0; v * VL < cols; v++) {
                PanelKernels.microKernelDirect1x4(src, a0, a1, a2, a3, pb, pbOff + v * VL, kc, tile, v * VL);
            }
        } else if (cols > VL && WIDE_REGISTERS) {
            PanelKernels.microKernelDirect2(src, a0, a1, a2, a3, a4, a5, a6, a7, pb, pbOff, kc, tile);
        } else {
            // One vector of columns at a time (on 16 registers, the two-vector kernel's 16 accumulators spill).
            for (int v = 0; v * VL < cols; v++) {
                PanelKernels.microKernelDirect1(src, a0, a1, a2, a3, a4, a5, a6, a7, pb, pbOff + v * VL, kc, tile,
                        v * VL);
            }
        }
        store(tile, row, col, rows, cols, cScale, addRow);
    }

    /**
     * A packed A micro-panel times one B panel on a 16-register machine: two 4-row halves three vectors wide, or a
     * narrower last panel one vector at a time; the same chain of multiply-adds per element as the wide kernels.
     */
    private static void narrowTile(float[] pa, int paOff, int rows, int cols, float[] pb, int pbOff, int kc,
                                   float[] tile) {
        if (cols > 2 * VL) {
            PanelKernels.microKernel4(pa, paOff, 0, pb, pbOff, kc, tile, 0);
            if (rows > HALF_TILE_ROWS) {
                PanelKernels.microKernel4(pa, paOff, HALF_TILE_ROWS, pb, pbOff, kc, tile, HALF_TILE_ROWS * NR);
            }
            return;
        }
        for (int v = 0; v * VL < cols; v++) {
            PanelKernels.microKernel1(pa, paOff, pb, pbOff + v * VL, kc, tile, v * VL);
        }
    }

    /**
     * A tile of C's rows from {@code row} and columns from {@code col} into C, or into Cᵀ when so asked; with
     * {@code addRow}, plus the row to add instead of C's contents.
     */
    private void store(float[] tile, int row, int col, int rows, int cols, float cScale, boolean addRow) {
        if (addRow) {
            TileStores.storeTile(tile, c, cOff + row * ldc + col, ldc, rows, cols, 1f, rowToAdd, rowToAddOffset + col,
                    0);
        } else if (storeTransposed) {
            TileStores.storeTileTransposed(tile, c, cOff + col * ldc + row, ldc, rows, cols, cScale);
        } else {
            TileStores.storeTile(tile, c, cOff + row * ldc + col, ldc, rows, cols, cScale);
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
}
