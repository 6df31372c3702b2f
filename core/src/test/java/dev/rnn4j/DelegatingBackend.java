package dev.rnn4j;

import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.spi.Primitives;

/** The reference backend behind a wrapper, for tests that change one behaviour (memory limits, pauses). */
class DelegatingBackend implements Backend {
    final Backend inner = new ReferenceBackendProvider().open(BackendOptions.defaults());

    @Override public String name() { return "test-" + inner.name(); }
    @Override public DeviceInfo device() { return inner.device(); }
    @Override public DeviceBuffer allocate(long floats) { return inner.allocate(floats); }
    @Override public DeviceBuffer allocateInts(long ints) { return inner.allocateInts(ints); }
    @Override public void upload(float[] s, int so, DeviceBuffer d, long dOff, int n) { inner.upload(s, so, d, dOff, n); }
    @Override public void uploadInts(int[] s, int so, DeviceBuffer d, long dOff, int n) { inner.uploadInts(s, so, d, dOff, n); }
    @Override public void download(DeviceBuffer s, long so, float[] d, int dOff, int n) { inner.download(s, so, d, dOff, n); }
    @Override public Primitives primitives() { return inner.primitives(); }
    @Override public dev.rnn4j.spi.TrainingPrimitives trainingPrimitives() { return inner.trainingPrimitives(); }
    @Override public void finish() { inner.finish(); }
    @Override public void close() { inner.close(); }
}
