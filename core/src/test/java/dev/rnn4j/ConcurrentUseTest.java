package dev.rnn4j;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A layer used from two threads at once fails fast instead of corrupting its workspace. */
class ConcurrentUseTest {

    /** The reference backend, with uploads that stop at a latch once armed, so a call can be held inside a layer. */
    static final class PausingBackend extends DelegatingBackend {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean armed;

        @Override
        public void upload(float[] s, int so, DeviceBuffer d, long dOff, int n) {
            if (armed) {
                armed = false;
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            inner.upload(s, so, d, dOff, n);
        }
    }

    @Test
    void secondThreadFailsWhileFirstIsInside() throws Exception {
        RnnSpec spec = new RnnSpec(CellType.GRU, 2, 3, 1, false, true);
        try (PausingBackend backend = new PausingBackend();
             RecurrentLayer layer = RecurrentLayer.create(backend, spec, RnnParameters.uniform(spec, 1))) {
            backend.armed = true;
            Thread first = new Thread(() -> layer.forward(RnnInput.sequenceMajor(new float[8], 2, 2)), "first-user");
            first.start();
            assertTrue(backend.entered.await(10, TimeUnit.SECONDS));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> layer.forward(RnnInput.sequenceMajor(new float[8], 2, 2)));
            assertTrue(e.getMessage().contains("in use by thread 'first-user'"), e.getMessage());
            assertTrue(e.getMessage().contains("copy()"), e.getMessage());
            backend.release.countDown();
            first.join(10_000);
            layer.forward(RnnInput.sequenceMajor(new float[8], 2, 2)); // free again
        }
    }

    /** Workers take their own copy from the shared layer, whatever it is doing (the conformance suite's flake). */
    @Test
    void copyWorksWhileAnotherThreadIsInsideAndFailsAfterClose() throws Exception {
        RnnSpec spec = new RnnSpec(CellType.LSTM, 2, 3, 1, false, true);
        RnnInput in = RnnInput.sequenceMajor(new float[8], 2, 2);
        try (PausingBackend backend = new PausingBackend()) {
            RecurrentLayer layer = RecurrentLayer.create(backend, spec, RnnParameters.uniform(spec, 1));
            float[] expected = layer.forward(in).output();
            backend.armed = true;
            Thread first = new Thread(() -> layer.forward(in), "first-user");
            first.start();
            assertTrue(backend.entered.await(10, TimeUnit.SECONDS));
            try (RecurrentLayer mine = layer.copy()) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(expected, mine.forward(in).output());
            } finally {
                backend.release.countDown();
                first.join(10_000);
            }
            layer.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, layer::copy);
            assertTrue(e.getMessage().contains("after close"), e.getMessage());
        }
    }
}
