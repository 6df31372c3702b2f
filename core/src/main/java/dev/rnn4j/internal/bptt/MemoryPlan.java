package dev.rnn4j.internal.bptt;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.DeviceInfo;
import dev.rnn4j.ElementType;
import dev.rnn4j.Parameter;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.spi.Primitives;

/**
 * Device memory a layer stack needs for one shape, computed before anything is allocated, by planning its
 * {@link Workspace} against a backend that only counts: the figure is the workspace's own arithmetic, not a second
 * formula that could drift from it.
 *
 * @param workspaceBytes what a forward pass for inference holds (cuDNN's workspace)
 * @param reserveBytes   what training holds beyond that for backward: saved activations, per-layer states, gate
 *                       gradients (cuDNN's reserve space); 0 when not training
 * @param parameterBytes the weights, plus as much again for the gradient accumulators when training
 */
public record MemoryPlan(long workspaceBytes, long reserveBytes, long parameterBytes) {

    /** The plan for T = {@code steps}, B = {@code batch}, for training or inference only. */
    public static MemoryPlan of(RnnSpec spec, int steps, int batch, boolean training) {
        int rows = Math.multiplyExact(steps, batch);
        long inference = planned(spec, rows, batch, false);
        long reserve = training ? planned(spec, rows, batch, true) - inference : 0;
        long weights = 0;
        for (Parameter p : RnnParameters.describe(spec)) {
            weights += 4L * p.size();
        }
        return new MemoryPlan(inference, Math.max(0, reserve), training ? 2 * weights : weights);
    }

    /** Everything together. */
    public long totalBytes() {
        return workspaceBytes + reserveBytes + parameterBytes;
    }

    private static long planned(RnnSpec spec, int rows, int batch, boolean training) {
        try (Workspace w = new Workspace(new CountingBackend(), spec, rows, batch, training)) {
            return w.bytes();
        }
    }

    /** A backend whose buffers are sizes only: allocating counts, nothing else may be called. */
    private static final class CountingBackend implements Backend {
        @Override
        public String name() {
            return "memory-plan";
        }

        @Override
        public DeviceInfo device() {
            return new DeviceInfo("memory plan", -1, -1, "counts allocations only");
        }

        @Override
        public DeviceBuffer allocate(long floats) {
            return new Counted(floats, ElementType.FLOAT32);
        }

        @Override
        public DeviceBuffer allocateInts(long ints) {
            return new Counted(ints, ElementType.INT32);
        }

        @Override
        public void upload(float[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n) {
            throw new UnsupportedOperationException("a memory plan moves no data");
        }

        @Override
        public void uploadInts(int[] src, int srcOffset, DeviceBuffer dst, long dstOffset, int n) {
            throw new UnsupportedOperationException("a memory plan moves no data");
        }

        @Override
        public void download(DeviceBuffer src, long srcOffset, float[] dst, int dstOffset, int n) {
            throw new UnsupportedOperationException("a memory plan moves no data");
        }

        @Override
        public Primitives primitives() {
            throw new UnsupportedOperationException("a memory plan computes nothing");
        }

        @Override
        public dev.rnn4j.spi.TrainingPrimitives trainingPrimitives() {
            throw new UnsupportedOperationException("a memory plan computes nothing");
        }

        @Override
        public void close() {
        }
    }

    private record Counted(long size, ElementType type) implements DeviceBuffer {
        @Override
        public void close() {
        }
    }
}
