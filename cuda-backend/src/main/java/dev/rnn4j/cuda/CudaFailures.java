package dev.rnn4j.cuda;

import dev.rnn4j.DeviceFailureException;
import java.util.Set;
import jcuda.CudaException;

/**
 * JCuda's exceptions turned into {@link DeviceFailureException}, with whether the context survives: CUDA makes some
 * errors sticky (every later call on the context returns them) and leaves others with the call that failed.
 */
final class CudaFailures {
    /** Errors after which the context is unusable until it is destroyed (CUDA's "sticky" errors). */
    private static final Set<String> STICKY = Set.of("CUDA_ERROR_ILLEGAL_ADDRESS", "CUDA_ERROR_LAUNCH_FAILED",
            "CUDA_ERROR_HARDWARE_STACK_ERROR", "CUDA_ERROR_ILLEGAL_INSTRUCTION", "CUDA_ERROR_MISALIGNED_ADDRESS",
            "CUDA_ERROR_INVALID_ADDRESS_SPACE", "CUDA_ERROR_INVALID_PC", "CUDA_ERROR_ECC_UNCORRECTABLE",
            "CUDA_ERROR_LAUNCH_TIMEOUT", "CUDA_ERROR_CONTEXT_IS_DESTROYED");

    /** What a caller does after a sticky error. */
    static final String RECOVERY = "restart the process to use CUDA again (CUDA recovers from this error only in a "
            + "new process)";

    private CudaFailures() {
    }

    /** Whether {@code text} (an error name, or a message holding one) names an error CUDA makes sticky. */
    static boolean isSticky(String text) {
        return STICKY.stream().anyMatch(text::contains);
    }

    /** {@code e} from {@code call} on {@code device} as a {@link DeviceFailureException}. */
    static DeviceFailureException of(String call, String device, CudaException e) {
        String code = String.valueOf(e.getMessage()).trim();
        boolean usable = STICKY.stream().noneMatch(code::startsWith);
        return new DeviceFailureException("the cuda backend's " + call + " on " + device + " failed: " + code
                + (usable ? "" : "; the device context is lost: close the backend, and " + RECOVERY), usable, e);
    }
}
