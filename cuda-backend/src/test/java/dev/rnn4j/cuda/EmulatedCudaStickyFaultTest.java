package dev.rnn4j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.BackendUnavailableException;
import dev.rnn4j.DeviceFailureException;
import dev.rnn4j.LayerGradients;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A kernel that faults on the device, as one reading past an allocation does on a GPU: the launch is accepted and
 * every later driver call of the process answers CUDA_ERROR_ILLEGAL_ADDRESS. The emulated driver stays poisoned for
 * the rest of the JVM, so this test has a JVM of its own and one fault.
 *
 * <p>What a caller must see: the pass fails with a {@link DeviceFailureException} that says the backend is lost and
 * what to do; every later call on the layer or backend refuses the same way (never a result, never JCuda's raw
 * exception, never an out-of-memory error for a lost context); closing the layer and the backend throws nothing;
 * a new backend in the same process refuses to start and says why.
 */
class EmulatedCudaStickyFaultTest {
    /** The launch that faults: past the forward pass's first few, so the pass is well under way. */
    private static final int FAULTING_LAUNCH = 5;

    @Test
    void aKernelFaultLosesTheContextAndEverythingAfterSaysSo() {
        EmulatedCuda.load();
        Backend backend = new CudaBackendProvider().open(BackendOptions.defaults());
        RecurrentLayer layer = RecurrentLayer.create(backend, EmulatedCudaFaultTest.SPEC,
                EmulatedCudaFaultTest.WEIGHTS);
        int steps = EmulatedCudaFaultTest.STEPS;
        int batch = EmulatedCudaFaultTest.BATCH;
        float[] x = new float[steps * batch * EmulatedCudaFaultTest.SPEC.inputSize()];
        Arrays.fill(x, 0.25f);
        float[] xBefore = x.clone();
        RnnInput input = RnnInput.sequenceMajor(x, steps, batch);

        EmulatedCuda.inject(EmulatedCuda.Fault.TRAP, FAULTING_LAUNCH);
        DeviceFailureException fault = assertThrows(DeviceFailureException.class, () -> {
            layer.forwardTraining(input);
            float[] dy = new float[steps * batch * EmulatedCudaFaultTest.SPEC.outputSize()];
            LayerGradients g = layer.backward(new OutputGradients(dy, null, null));
            g.weights().parameters();
        });
        assertFalse(fault.backendUsable(), fault.getMessage());
        assertTrue(fault.getMessage().contains("CUDA_ERROR_ILLEGAL_ADDRESS"), fault.getMessage());
        assertTrue(fault.getMessage().contains("restart the process"), fault.getMessage());
        assertArrayEquals(xBefore, x, "the caller's input changed");

        DeviceFailureException again = assertThrows(DeviceFailureException.class, () -> layer.forward(input));
        assertFalse(again.backendUsable());
        assertTrue(again.getMessage().contains("an earlier call failed")
                && again.getMessage().contains("CUDA_ERROR_ILLEGAL_ADDRESS"), again.getMessage());
        DeviceFailureException allocation = assertThrows(DeviceFailureException.class, () -> backend.allocate(16));
        assertFalse(allocation.backendUsable());
        assertThrows(DeviceFailureException.class, backend::finish);

        assertDoesNotThrow(layer::close);
        assertDoesNotThrow(backend::close);
        assertDoesNotThrow(backend::close, "a second close");

        BackendUnavailableException refused = assertThrows(BackendUnavailableException.class,
                () -> new CudaBackendProvider().open(BackendOptions.defaults()));
        assertTrue(refused.getMessage().contains("CUDA_ERROR_ILLEGAL_ADDRESS")
                && refused.getMessage().contains("new process"), refused.getMessage());
    }
}
