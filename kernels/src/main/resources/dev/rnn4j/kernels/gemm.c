/* The tiled SGEMM, for devices without a vendor BLAS (or when one is refused). */

/*
 * C = alpha·op(A)·op(B) + beta·C, row-major: the portable GEMM (where no vendor BLAS loads). A work-group of
 * GEMM_TILE × GEMM_TILE items owns a GEMM_BLOCK × GEMM_BLOCK block of C, GEMM_WORK × GEMM_WORK elements per item
 * at a stride of GEMM_TILE (so adjacent items store adjacent columns and read adjacent local-memory banks). Each
 * stage stages GEMM_DEPTH columns of op(A)'s rows and rows of op(B)'s columns in local memory, loaded along
 * whichever index is contiguous in global memory, zero past the edges; every item then does GEMM_WORK² multiply-adds
 * per 2·GEMM_WORK local reads, where one element per item did one per two. Each element's sum runs over k in order.
 */
#define GEMM_TILE 16
#define GEMM_WORK 4
#define GEMM_BLOCK (GEMM_TILE * GEMM_WORK)
#define GEMM_DEPTH 16
KERNEL void gemm_tiled(int transA, int transB, int m, int n, int k, float alpha,
                       GLOBAL const float* a, int aOff, int lda, GLOBAL const float* b, int bOff, int ldb,
                       float beta, GLOBAL float* c, int cOff, int ldc) {
    LOCAL float as[GEMM_DEPTH][GEMM_BLOCK + 1];
    LOCAL float bs[GEMM_DEPTH][GEMM_BLOCK + 1];
    int tx = LID_X();
    int ty = LID_Y();
    int item = ty * GEMM_TILE + tx;
    int row0 = GROUP_Y() * GEMM_BLOCK;
    int col0 = GROUP_X() * GEMM_BLOCK;
    float acc[GEMM_WORK][GEMM_WORK];
    for (int i = 0; i < GEMM_WORK; i++) {
        for (int j = 0; j < GEMM_WORK; j++) {
            acc[i][j] = 0.0f;
        }
    }
    for (int p0 = 0; p0 < k; p0 += GEMM_DEPTH) {
        for (int e = item; e < GEMM_BLOCK * GEMM_DEPTH; e += GEMM_TILE * GEMM_TILE) {
            /* op(A)[row][p]: along p for A (rows contiguous), along row for Aᵀ. */
            int r = transA ? e % GEMM_BLOCK : e / GEMM_DEPTH;
            int p = transA ? e / GEMM_BLOCK : e % GEMM_DEPTH;
            int gr = row0 + r;
            int gp = p0 + p;
            as[p][r] = (gr < m && gp < k) ? (transA ? a[aOff + gp * lda + gr] : a[aOff + gr * lda + gp]) : 0.0f;
            /* op(B)[p][col]: along col for B, along p for Bᵀ. */
            int q = transB ? e % GEMM_DEPTH : e / GEMM_BLOCK;
            int cc = transB ? e / GEMM_DEPTH : e % GEMM_BLOCK;
            int gq = p0 + q;
            int gc = col0 + cc;
            bs[q][cc] = (gq < k && gc < n) ? (transB ? b[bOff + gc * ldb + gq] : b[bOff + gq * ldb + gc]) : 0.0f;
        }
        BARRIER();
        for (int p = 0; p < GEMM_DEPTH; p++) {
            float ar[GEMM_WORK];
            float br[GEMM_WORK];
            for (int i = 0; i < GEMM_WORK; i++) {
                ar[i] = as[p][ty + i * GEMM_TILE];
                br[i] = bs[p][tx + i * GEMM_TILE];
            }
            for (int i = 0; i < GEMM_WORK; i++) {
                for (int j = 0; j < GEMM_WORK; j++) {
                    acc[i][j] += ar[i] * br[j];
                }
            }
        }
        BARRIER();
    }
    for (int i = 0; i < GEMM_WORK; i++) {
        int row = row0 + ty + i * GEMM_TILE;
        for (int j = 0; j < GEMM_WORK; j++) {
            int col = col0 + tx + j * GEMM_TILE;
            if (row < m && col < n) {
                int ci = cOff + row * ldc + col;
                c[ci] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * c[ci];
            }
        }
    }
}
