package dev.rnn4j.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * A {@code CUdeviceptr} that tells its address: libraries called without JCuda ({@link NativeCublasGemm}) take
 * device pointers as plain addresses, and JCuda keeps them to itself.
 */
final class DevicePointer extends CUdeviceptr {
    /** The device address this pointer holds (its base; JCuda's byte offsets are not used on these). */
    long address() {
        return getNativePointer();
    }
}
