package dev.rnn4j.opencl;

import dev.rnn4j.DeviceFailureException;
import java.util.Set;
import org.jocl.CLException;

/**
 * JOCL's exceptions turned into {@link DeviceFailureException}, so that a failed enqueue, transfer or finish reaches
 * the caller as rnn4j's type with the OpenCL error code in its message, and whether the backend can go on.
 */
final class ClFailures {
    /**
     * Codes after which the queue or device cannot be trusted: drivers report a kernel's fault as
     * {@code CL_OUT_OF_RESOURCES} or a lost device, and leave the queue in error.
     */
    private static final Set<String> FATAL = Set.of("CL_OUT_OF_RESOURCES", "CL_DEVICE_NOT_AVAILABLE",
            "CL_INVALID_COMMAND_QUEUE", "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST");

    private ClFailures() {
    }

    /** {@code e} from {@code call} on {@code device} as a {@link DeviceFailureException}. */
    static DeviceFailureException of(String call, String device, CLException e) {
        String code = org.jocl.CL.stringFor_errorCode(e.getStatus());
        boolean usable = !FATAL.contains(code);
        return new DeviceFailureException("the opencl backend's " + call + " on " + device + " failed: " + code
                + (usable ? "" : "; the queue cannot be trusted: close the backend and open another"), usable, e);
    }
}
