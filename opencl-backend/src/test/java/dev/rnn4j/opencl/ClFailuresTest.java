package dev.rnn4j.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.DeviceFailureException;
import org.jocl.CL;
import org.jocl.CLException;
import org.junit.jupiter.api.Test;

/** OpenCL errors reach callers as {@link DeviceFailureException}, with their code and whether the backend goes on. */
class ClFailuresTest {
    @Test
    void anInvalidValueLeavesTheBackendUsable() {
        CLException cause = new CLException("bad", CL.CL_INVALID_VALUE);
        DeviceFailureException e = ClFailures.of("upload", "gpu0", cause);
        assertEquals("the opencl backend's upload on gpu0 failed: CL_INVALID_VALUE", e.getMessage());
        assertTrue(e.backendUsable());
        assertEquals(cause, e.getCause());
    }

    @Test
    void aKernelFaultReportedAsOutOfResourcesDoesNot() {
        DeviceFailureException e = ClFailures.of("finish", "gpu0", new CLException("x", CL.CL_OUT_OF_RESOURCES));
        assertFalse(e.backendUsable());
        assertTrue(e.getMessage().endsWith("failed: CL_OUT_OF_RESOURCES; the queue cannot be trusted: close the "
                + "backend and open another"), e.getMessage());
    }
}
