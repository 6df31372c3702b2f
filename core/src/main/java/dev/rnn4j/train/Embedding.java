package dev.rnn4j.train;

import dev.rnn4j.Backend;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.spi.MatrixRef;
import java.util.List;

/**
 * Token embedding: a {@code [vocab, dim]} table on the device. Forward gathers the rows of a batch of ids
 * ({@code −1} for padding gives zeros); backward scatter-adds the output gradient into the table's gradient.
 */
public final class Embedding implements AutoCloseable {
    private final Backend backend;
    private final int vocab;
    private final int dim;
    private final DeviceBuffer table;
    private final DeviceBuffer gradient;
    private final DeviceArray out;

    /** @param initial {@code vocab·dim} values (e.g. {@link Initializers#normal}) */
    public Embedding(Backend backend, int vocab, int dim, float[] initial) {
        if (vocab < 1 || dim < 1 || initial.length != (long) vocab * dim) {
            throw new IllegalArgumentException("an embedding of " + vocab + " x " + dim + " needs that many initial "
                    + "values, got " + initial.length);
        }
        this.backend = backend;
        this.vocab = vocab;
        this.dim = dim;
        this.table = backend.allocate((long) vocab * dim);
        this.gradient = backend.allocate((long) vocab * dim);
        this.out = new DeviceArray(backend, false);
        backend.upload(initial, 0, table, 0, initial.length);
        backend.primitives().fill(gradient, 0, gradient.size(), 0f);
    }

    public int vocabulary() {
        return vocab;
    }

    public int dim() {
        return dim;
    }

    /**
     * {@code [rows, dim]} embeddings of {@code ids} (an INT32 buffer of {@code rows} ids, each −1 or
     * {@code < vocab}).
     */
    public DeviceBuffer forward(DeviceBuffer ids, int rows) {
        DeviceBuffer y = out.get((long) rows * dim);
        backend.trainingPrimitives().gatherRows(table, ids, rows, dim, new MatrixRef(y, 0, dim));
        return y;
    }

    /** Adds the gradient of {@code dOut} ({@code [rows, dim]}) into the table's gradient. */
    public void backward(DeviceBuffer dOut, DeviceBuffer ids, int rows) {
        backend.trainingPrimitives().scatterAddRows(new MatrixRef(dOut, 0, dim), ids, rows, dim, gradient);
    }

    public List<TrainableTensor> trainableTensors(String prefix) {
        return List.of(new TrainableTensor(prefix + "weight", table, gradient, new long[] {vocab, dim}));
    }

    @Override
    public void close() {
        table.close();
        gradient.close();
        out.close();
    }
}
