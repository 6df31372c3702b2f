package dev.rnn4j;

/**
 * A call into a device's driver failed: a kernel launch, a copy, a synchronisation. The message names the call and
 * the driver's own error code (for CUDA, e.g. {@code CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES}). Thrown in place of the
 * driver binding's exceptions, so that callers handle one type whatever the backend.
 *
 * <p>{@link #backendUsable()} says whether the backend can go on: an error such as a launch refused for its resources
 * leaves it usable, and a later pass computes what it would have; an error that poisons the device context (an
 * illegal address, a failed launch) does not, and the backend should be closed and opened again. Either way the
 * failed call's results are not returned, so no wrong result reaches the caller.
 */
public class DeviceFailureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean backendUsable;

    /**
     * @param message       the call that failed, on which device, and the driver's error code
     * @param backendUsable whether the backend can be used again
     * @param cause         the driver binding's exception
     */
    public DeviceFailureException(String message, boolean backendUsable, Throwable cause) {
        super(message, cause);
        this.backendUsable = backendUsable;
    }

    /** Whether the backend can go on; if not, close it and open another. */
    public boolean backendUsable() {
        return backendUsable;
    }
}
