package dev.rnn4j;

/**
 * A device allocation failed. Nothing the caller owns was modified; a smaller batch or sequence length, or a
 * device with more memory, will help. Thrown in place of driver-specific error codes.
 */
public class DeviceOutOfMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long requestedBytes;

    /** @param requestedBytes the failed request; @param message what was being allocated and where */
    public DeviceOutOfMemoryException(long requestedBytes, String message, Throwable cause) {
        super(message, cause);
        this.requestedBytes = requestedBytes;
    }

    /** Size of the allocation that failed, in bytes. */
    public long requestedBytes() {
        return requestedBytes;
    }
}
