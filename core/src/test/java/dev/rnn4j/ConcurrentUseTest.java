package dev.rnn4j;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.reference.ReferenceBackendProvider;
import dev.rnn4j.spi.Backend;
import dev.rnn4j.spi.BackendOptions;
import dev.rnn4j.spi.DeviceBuffer;
import dev.rnn4j.spi.DeviceInfo;
import dev.rnn4j.spi.Primitives;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A layer used from two threads at once fails fast instead of corrupting its workspace. */
class ConcurrentUseTest {

    /** The reference backend, with uploads that stop at a latch once armed, so a call can be held inside a layer. */
    static final class PausingBackend implements Backend {
        final Backend inner = new ReferenceBackendProvider().open(BackendOptions.defaults());
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean armed;

        @Override public String name() { return "pausing"; }
        @Override public DeviceInfo device() { return inner.device(); }
        @Override public DeviceBuffer allocate(long floats) { return inner.allocate(floats); }
        @Override public DeviceBuffer allocateInts(long ints) { return inner.allocateInts(ints); }
        @Override public void uploadInts(int[] s, int so, DeviceBuffer d, long dOff, int n) { inner.uploadInts(s, so, d, dOff, n); }
        @Override public void download(DeviceBuffer s, long so, float[] d, int dOff, int n) { inner.download(s, so, d, dOff, n); }
        @Override public Primitives primitives() { return inner.primitives(); }
        @Override public void close() { inner.close(); }

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
}
