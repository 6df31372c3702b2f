package dev.rnn4j.opencl;

import org.jocl.blast.CLBlast;
import org.jocl.blast.CLBlastLayout;
import org.jocl.blast.CLBlastStatusCode;
import org.jocl.blast.CLBlastTranspose;
import org.jocl.cl_command_queue;
import org.jocl.cl_mem;

/**
 * SGEMM through CLBlast (JOCLBlast bundles it). The only class that touches {@code org.jocl.blast}: loading it
 * fails with a {@link LinkageError} where the bundled native library cannot load (another OS or architecture, a
 * missing libstdc++), which {@link #load()} turns into a reason and the backend into its own tiled kernel.
 */
final class ClBlastGemm {
    private ClBlastGemm() {
    }

    /** Null when CLBlast is usable, else why not. */
    static String load() {
        try {
            CLBlast.setExceptionsEnabled(false);
            return null;
        } catch (LinkageError e) {
            return "CLBlast could not be loaded (" + e.getMessage() + ")";
        }
    }

    /**
     * Empties CLBlast's caches of compiled programs and tuned parameters. Its entries are per context and hold the
     * context, so a closed backend's stay in memory until this runs; other backends' entries go too, and are compiled
     * again (from CLBlast's binary cache) at their next product.
     */
    static void clearCache() {
        CLBlast.CLBlastClearCache();
    }

    /** Row-major C = alpha·op(A)·op(B) + beta·C, enqueued on {@code queue}; element offsets. */
    static void sgemm(cl_command_queue queue, boolean transA, boolean transB, int m, int n, int k, float alpha,
                      cl_mem a, long aOffset, int lda, cl_mem b, long bOffset, int ldb, float beta, cl_mem c,
                      long cOffset, int ldc) {
        int status = CLBlast.CLBlastSgemm(CLBlastLayout.CLBlastLayoutRowMajor,
                transA ? CLBlastTranspose.CLBlastTransposeYes : CLBlastTranspose.CLBlastTransposeNo,
                transB ? CLBlastTranspose.CLBlastTransposeYes : CLBlastTranspose.CLBlastTransposeNo,
                m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, queue, null);
        if (status != CLBlastStatusCode.CLBlastSuccess) {
            throw new IllegalStateException("CLBlastSgemm(" + m + "x" + n + "x" + k + ") failed: "
                    + CLBlastStatusCode.stringFor(status));
        }
    }
}
