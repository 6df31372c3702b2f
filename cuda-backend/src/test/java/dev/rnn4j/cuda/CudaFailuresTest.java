package dev.rnn4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.DeviceFailureException;
import jcuda.CudaException;
import org.junit.jupiter.api.Test;

/** CUDA errors reach callers as {@link DeviceFailureException}; the sticky ones say the backend cannot go on. */
class CudaFailuresTest {
    @Test
    void aLaunchRefusedForItsResourcesLeavesTheBackendUsable() {
        DeviceFailureException e = CudaFailures.of("launch of kernel 3", "H100",
                new CudaException("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"));
        assertEquals("the cuda backend's launch of kernel 3 on H100 failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
                e.getMessage());
        assertTrue(e.backendUsable());
    }

    @Test
    void anIllegalAddressPoisonsTheContext() {
        DeviceFailureException e = CudaFailures.of("download", "H100", new CudaException("CUDA_ERROR_ILLEGAL_ADDRESS"));
        assertFalse(e.backendUsable());
        assertTrue(e.getMessage().contains("the device context is lost: close the backend, and restart the process"),
                e.getMessage());
    }

    @Test
    void aDriverAnswerIsRecognisedAsStickyInsideAMessage() {
        assertTrue(CudaFailures.isSticky("cuDeviceGetCount failed with CUDA_ERROR_ILLEGAL_ADDRESS"));
        assertFalse(CudaFailures.isSticky("cuInit failed with CUDA_ERROR_NO_DEVICE"));
        assertFalse(CudaFailures.isSticky("CUDA_ERROR_OUT_OF_MEMORY"));
    }
}
