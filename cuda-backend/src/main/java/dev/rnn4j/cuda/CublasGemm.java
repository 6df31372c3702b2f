package dev.rnn4j.cuda;

import jcuda.Pointer;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;

/**
 * SGEMM through cuBLAS 12 (JCublas2), bound to the backend's stream. The only class that touches
 * {@code jcuda.jcublas}: JCublas 12.6's natives need {@code libcublas.so.12} with versioned symbols, which a
 * machine with only CUDA 13 lacks; {@link #open} turns that {@link LinkageError} into a reason, and the backend
 * tries {@link NativeCublasGemm} next.
 */
final class CublasGemm implements DeviceGemm {
    private final cublasHandle handle = new cublasHandle();
    private final float[] alpha = new float[1];
    private final float[] beta = new float[1];
    private final Pointer alphaArg = Pointer.to(alpha);
    private final Pointer betaArg = Pointer.to(beta);
    private boolean open;

    private CublasGemm(CUstream stream) {
        JCublas2.setExceptionsEnabled(true);
        JCublas2.cublasCreate(handle);
        open = true;
        JCublas2.cublasSetStream(handle, new cudaStream_t(stream));
    }

    /** A handle bound to {@code stream}; or a reason in {@code whyNot[0]} and null. */
    static CublasGemm open(CUstream stream, String[] whyNot) {
        try {
            return new CublasGemm(stream);
        } catch (LinkageError e) {
            whyNot[0] = "cuBLAS 12 not loadable (" + e.getMessage() + "); JCublas 12.6 needs libcublas.so.12";
        } catch (RuntimeException e) {
            whyNot[0] = "cuBLAS could not start: " + e.getMessage();
        }
        return null;
    }

    /**
     * Row-major {@code C = alpha·op(A)·op(B) + beta·C} through column-major cuBLAS: a row-major matrix is its
     * transpose in column-major order, so this is {@code Cᵀ = op(B)ᵀ·op(A)ᵀ}, B first, with the same flags.
     */
    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float a, CudaBuffer aBuf, long aOffset,
                      int lda, CudaBuffer bBuf, long bOffset, int ldb, float b, CudaBuffer cBuf, long cOffset, int ldc) {
        alpha[0] = a;
        beta[0] = b;
        JCublas2.cublasSgemm(handle, transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N, n, m, k, alphaArg,
                bBuf.ptr().withByteOffset(bOffset * 4), ldb, aBuf.ptr().withByteOffset(aOffset * 4), lda, betaArg,
                cBuf.ptr().withByteOffset(cOffset * 4), ldc);
    }

    @Override
    public String description() {
        return "cuBLAS 12 (JCublas 12.6)";
    }

    @Override
    public void close() {
        if (open) {
            JCublas2.cublasDestroy(handle);
            open = false;
        }
    }
}
