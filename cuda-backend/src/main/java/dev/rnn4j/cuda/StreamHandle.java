package dev.rnn4j.cuda;

import jcuda.driver.CUstream;

/** A {@code CUstream} that tells its handle, for libraries called without JCuda ({@link NativeCublasGemm}). */
final class StreamHandle extends CUstream {
    /** The {@code CUstream} handle as an address (0 is the legacy default stream). */
    long address() {
        return getNativePointer();
    }
}
