package dev.rnn4j.cpu;

import static dev.rnn4j.cpu.VectorGemm.KC;
import static dev.rnn4j.cpu.VectorGemm.MR;
import static dev.rnn4j.cpu.VectorGemm.NR;

/**
 * How the GEMM's operands are packed: op(A) into MR-row micro-panels or plain rows (alpha folded in), op(B) into
 * KC × NR column panels, both unit-stride and zero-padded so the micro-kernels have no edge cases inside their
 * loops; transposed operands are handled here. And which packing of A this JDK gets.
 */
final class GemmPacking {
    private GemmPacking() {
    }

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
    /** The system property that overrides the choice: {@code panels} or {@code rows}. */
    static final String PROPERTY = "rnn4j.cpu.packA";

    static boolean aAsRows(String property, int jdk) {
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

    /**
     * Packs op(A) rows [m0, m0+mc) × columns [k0, k0+kc), times alpha, as plain rows: element (r, p) at
     * {@code r·kc + p} (see {@link #aAsRows}).
     */
    static void packARows(float[] pa, float[] a, int aOff, int lda, boolean transA, float alpha, int m0, int mc,
                          int k0, int kc) {
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
    static void packA(float[] pa, float[] a, int aOff, int lda, boolean transA, float alpha, int m0, int mc,
                      int k0, int kc) {
        if (transA) {
            packTransposedA(pa, a, aOff, lda, alpha, m0, mc, k0, kc);
            return;
        }
        for (int i = 0; i * MR < mc; i++) {
            int base = i * kc * MR;
            int rowBase = m0 + i * MR;
            int rows = Math.min(MR, mc - i * MR);
            if (rows == MR && alpha == 1) {
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
     * {@link #packA} for op(A) = Aᵀ: the block's mc rows of op(A) are mc adjacent floats of each row of A, so each row
     * of A is read once, front to back, and dealt out to the micro-panels, rather than once per micro-panel (eight
     * floats of every row, then the next eight), which revisits each cache line of A. Packing is 12% of the samples
     * of train:LSTM:128:128:16:100, whose weight gradients are dGatesᵀ·X over T·B = 1600 rows of 2 KB; this order
     * packed that block 10-25% faster in isolation (JDK 17, three interleaved runs). The same order for the plain
     * rows JDK 25 packs ({@link #packARows}) was five times slower: mc write streams a row apart.
     */
    private static void packTransposedA(float[] pa, float[] a, int aOff, int lda, float alpha, int m0, int mc,
                                        int k0, int kc) {
        int full = mc / MR;
        int rest = mc - full * MR;
        for (int p = 0; p < kc; p++) {
            int src = aOff + (k0 + p) * lda + m0;
            int dst = p * MR;
            for (int i = 0; i < full; i++, src += MR, dst += kc * MR) {
                if (alpha == 1) {
                    for (int r = 0; r < MR; r++) {
                        pa[dst + r] = a[src + r];
                    }
                } else {
                    for (int r = 0; r < MR; r++) {
                        pa[dst + r] = alpha * a[src + r];
                    }
                }
            }
            if (rest > 0) {
                for (int r = 0; r < MR; r++) {
                    pa[dst + r] = r < rest ? alpha * a[src + r] : 0;
                }
            }
        }
    }

    /**
     * Packs column panels [j0, j1) of op(B), all of k, KC rows at a time: element (p, col) of panel j in the block
     * starting at row k0 lives at {@code k0·nPanels·NR + j·kc·NR + (p − k0)·NR + col}; columns past n are zero.
     */
    static void packB(float[] panels, float[] b, int bOff, int ldb, boolean transB, int n, int k, int nPanels,
                      int j0, int j1) {
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            int block = k0 * nPanels * NR;
            for (int j = j0; j < j1; j++) {
                packPanel(panels, block + j * kc * NR, b, bOff, ldb, transB, n, j, k0, kc);
            }
        }
    }

    /** Packs column panel {@code j} of op(B), rows [k0, k0+kc), into {@code dst} from {@code base}: (p, col) at p·NR + col. */
    static void packPanel(float[] dst, int base, float[] b, int bOff, int ldb, boolean transB, int n, int j, int k0,
                          int kc) {
        int col0 = j * NR;
        int width = Math.min(NR, n - col0);
        if (transB && width == NR) {
            // Eight columns at a time, read as eight row streams in step and written contiguously (the same
            // transpose order that made packing A about twice as fast); at 128-bit vectors NR is 12, and its last
            // four columns go one at a time.
            int g = 0;
            for (; g + 8 <= NR; g += 8) {
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
            for (; g < NR; g++) {
                int src = bOff + (col0 + g) * ldb + k0;
                for (int p = 0; p < kc; p++) {
                    dst[base + p * NR + g] = b[src + p];
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
}
