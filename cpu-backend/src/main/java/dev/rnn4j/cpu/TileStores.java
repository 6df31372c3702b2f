package dev.rnn4j.cpu;

import static dev.rnn4j.cpu.VectorGemm.NR;
import static dev.rnn4j.cpu.VectorGemm.S;
import static dev.rnn4j.cpu.VectorGemm.VL;

import jdk.incubator.vector.FloatVector;

/** Where a finished tile goes: into C (scaled by beta, or with a bias row added), or into a transposed C. */
final class TileStores {
    private TileStores() {
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
     * ({@code srcLd} 0) in {@link VectorGemm#gemmPlusRow}, so that both make the same additions.
     */
    static void storeTile(float[] tile, float[] c, int cAt, int ldc, int rows, int cols, float cScale,
                                  float[] src, int srcAt, int srcLd) {
        for (int r = 0; r < rows; r++) {
            int row = cAt + r * ldc;
            int from = srcAt + r * srcLd;
            int j = 0;
            // Whole vectors wherever they fit: a last panel narrower than NR (n = 256 leaves 16 of 48) went element
            // by element (storing tiles was 8% of the tiny infer:LSTM:64:64:4:10's samples).
            for (; j + VL <= cols; j += VL) {
                FloatVector t = FloatVector.fromArray(S, tile, r * NR + j);
                if (cScale == 1) {
                    t = t.add(FloatVector.fromArray(S, src, from + j));
                } else if (cScale != 0) {
                    t = FloatVector.fromArray(S, src, from + j).mul(cScale).add(t);
                }
                t.intoArray(c, row + j);
            }
            for (; j < cols; j++) {
                float t = tile[r * NR + j];
                c[row + j] = cScale == 0 ? t : cScale == 1 ? src[from + j] + t : cScale * src[from + j] + t;
            }
        }
    }
}
