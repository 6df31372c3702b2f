package dev.rnn4j.train;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.spi.Transpose;
import java.util.List;

/**
 * A dense layer {@code y = x·Wᵀ + b} on the device, PyTorch's {@code nn.Linear}: {@code W [out, in]},
 * {@code b [out]}. The input may come in column blocks (the two directions' final states of a bidirectional
 * recurrent layer): block d covers W's columns {@code [d·w, (d+1)·w)}.
 */
public final class Linear implements AutoCloseable {
    private final Backend backend;
    private final int in;
    private final int out;
    private final DeviceBuffer weight;
    private final DeviceBuffer bias;
    private final DeviceBuffer weightGradient;
    private final DeviceBuffer biasGradient;
    private final DeviceArray y;
    private final DeviceArray dx;

    /** @param initialWeight {@code out·in} values; {@code initialBias} {@code out} values */
    public Linear(Backend backend, int in, int out, float[] initialWeight, float[] initialBias) {
        if (initialWeight.length != (long) in * out || initialBias.length != out) {
            throw new IllegalArgumentException("a linear layer of " + in + " -> " + out + " needs " + in * out
                    + " weights and " + out + " biases, got " + initialWeight.length + " and " + initialBias.length);
        }
        this.backend = backend;
        this.in = in;
        this.out = out;
        this.weight = backend.allocate((long) in * out);
        this.bias = backend.allocate(out);
        this.weightGradient = backend.allocate((long) in * out);
        this.biasGradient = backend.allocate(out);
        this.y = new DeviceArray(backend, false);
        this.dx = new DeviceArray(backend, false);
        backend.upload(initialWeight, 0, weight, 0, initialWeight.length);
        backend.upload(initialBias, 0, bias, 0, out);
        backend.primitives().fill(weightGradient, 0, weightGradient.size(), 0f);
        backend.primitives().fill(biasGradient, 0, out, 0f);
    }

    public int inputs() {
        return in;
    }

    public int outputs() {
        return out;
    }

    /** {@code [rows, out]} for {@code x [rows, in]}. */
    public DeviceBuffer forward(DeviceBuffer x, int rows) {
        return forward(x, 0, rows, 1);
    }

    /**
     * {@code [rows, out]} for an input given as {@code blocks} column blocks of {@code [rows, in/blocks]}, one after
     * another from {@code offset} (block d at {@code offset + d·rows·in/blocks}).
     */
    public DeviceBuffer forward(DeviceBuffer x, long offset, int rows, int blocks) {
        int w = in / blocks;
        DeviceBuffer result = y.get((long) rows * out);
        backend.primitives().gemmPlusRow(Transpose.NO, Transpose.YES, rows, out, w, x, offset, w, weight, 0, in,
                bias, 0, result, 0);
        for (int d = 1; d < blocks; d++) {
            backend.primitives().gemm(Transpose.NO, Transpose.YES, rows, out, w, 1f, x, offset + (long) d * rows * w,
                    w, weight, (long) d * w, in, 1f, result, 0, out);
        }
        return result;
    }

    /**
     * Adds the gradients of W and b for {@code dy [rows, out]} given the forward input (as in {@link #forward(
     * DeviceBuffer, long, int, int)}), and returns the input's gradient in the same block layout from offset 0 when
     * {@code wantInput}, else null.
     */
    public DeviceBuffer backward(DeviceBuffer dy, DeviceBuffer x, long offset, int rows, int blocks,
                                 boolean wantInput) {
        int w = in / blocks;
        for (int d = 0; d < blocks; d++) {
            backend.primitives().gemm(Transpose.YES, Transpose.NO, out, w, rows, 1f, dy, 0, out, x,
                    offset + (long) d * rows * w, w, 1f, weightGradient, (long) d * w, in);
        }
        backend.primitives().columnSums(dy, 0, rows, out, 1f, biasGradient, 0);
        if (!wantInput) {
            return null;
        }
        DeviceBuffer g = dx.get((long) rows * in);
        for (int d = 0; d < blocks; d++) {
            backend.primitives().gemm(Transpose.NO, Transpose.NO, rows, w, out, 1f, dy, 0, out, weight, (long) d * w,
                    in, 0f, g, (long) d * rows * w, w);
        }
        return g;
    }

    public List<TrainableTensor> trainableTensors(String prefix) {
        return List.of(new TrainableTensor(prefix + "weight", weight, weightGradient, new long[] {out, in}),
                new TrainableTensor(prefix + "bias", bias, biasGradient, new long[] {out}));
    }

    @Override
    public void close() {
        weight.close();
        bias.close();
        weightGradient.close();
        biasGradient.close();
        y.close();
        dx.close();
    }
}
