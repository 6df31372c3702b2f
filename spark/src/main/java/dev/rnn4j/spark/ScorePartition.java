package dev.rnn4j.spark;

import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Scores one partition: reads a window of rows, sorts it by sequence length, runs it in batches on a layer borrowed
 * from {@link ExecutorLayers}, and gives the rows back in their order with the result appended. Sorting within the
 * window keeps each batch's lengths close, so little of a batch is padding.
 */
final class ScorePartition implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    /** Rows read at once, in batches: enough for sorting to group lengths, few enough to hold. */
    static final int WINDOW_BATCHES = 8;

    private final Broadcast<byte[]> model;
    private final String modelKey;
    private final String backend;
    private final int batchSize;
    private final int inputIndex;
    private final SequenceOutput output;

    ScorePartition(Broadcast<byte[]> model, String modelKey, String backend, int batchSize, int inputIndex,
                   SequenceOutput output) {
        this.model = model;
        this.modelKey = modelKey;
        this.backend = backend;
        this.batchSize = batchSize;
        this.inputIndex = inputIndex;
        this.output = output;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Iterator<>() {
            private final List<Row> window = new ArrayList<>();
            private float[][] results;
            private int next;

            @Override
            public boolean hasNext() {
                if (next < window.size()) {
                    return true;
                }
                window.clear();
                next = 0;
                while (rows.hasNext() && window.size() < batchSize * WINDOW_BATCHES) {
                    window.add(rows.next());
                }
                if (window.isEmpty()) {
                    return false;
                }
                results = score(window);
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Row r = window.get(next);
                Object[] values = new Object[r.length() + 1];
                for (int i = 0; i < r.length(); i++) {
                    values[i] = r.get(i);
                }
                values[r.length()] = results[next++];
                return RowFactory.create(values);
            }
        };
    }

    /** Every row's result, in the rows' order. */
    private float[][] score(List<Row> window) {
        RnnSpec spec = ExecutorLayers.model(modelKey, model.value()).spec();
        float[][] sequences = new float[window.size()][];
        for (int i = 0; i < sequences.length; i++) {
            sequences[i] = sequence(window.get(i), spec.inputSize());
        }
        Integer[] order = new Integer[sequences.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt(i -> sequences[i].length));
        float[][] results = new float[sequences.length][];
        RecurrentLayer layer = ExecutorLayers.borrow(backend, modelKey, model.value());
        try {
            for (int from = 0; from < order.length; from += batchSize) {
                int[] batch = new int[Math.min(batchSize, order.length - from)];
                for (int b = 0; b < batch.length; b++) {
                    batch[b] = order[from + b];
                }
                run(layer, spec, sequences, batch, results);
            }
        } finally {
            ExecutorLayers.giveBack(backend, modelKey, layer);
        }
        return results;
    }

    /** The row's sequence as floats, {@code [T, I]}, checked. */
    private float[] sequence(Row row, int inputSize) {
        if (row.isNullAt(inputIndex)) {
            throw new IllegalArgumentException("a row has no sequence (null) in column " + inputIndex);
        }
        List<Object> values = row.getList(inputIndex);
        if (values.isEmpty() || values.size() % inputSize != 0) {
            throw new IllegalArgumentException("a sequence of " + values.size() + " values is not a whole number "
                    + "(at least one) of steps of " + inputSize + " inputs");
        }
        float[] x = new float[values.size()];
        for (int i = 0; i < x.length; i++) {
            Object v = values.get(i);
            if (!(v instanceof Number n)) {
                throw new IllegalArgumentException("a sequence holds " + v + " at " + i + "; expected numbers");
            }
            x[i] = n.floatValue();
        }
        return x;
    }

    private void run(RecurrentLayer layer, RnnSpec spec, float[][] sequences, int[] batch, float[][] results) {
        int inputs = spec.inputSize();
        int B = batch.length;
        int[] lengths = new int[B];
        int steps = 0;
        for (int b = 0; b < B; b++) {
            lengths[b] = sequences[batch[b]].length / inputs;
            steps = Math.max(steps, lengths[b]);
        }
        float[] x = new float[steps * B * inputs];
        for (int b = 0; b < B; b++) {
            float[] s = sequences[batch[b]];
            for (int t = 0; t < lengths[b]; t++) {
                System.arraycopy(s, t * inputs, x, (t * B + b) * inputs, inputs);
            }
        }
        RnnOutput out = layer.forward(RnnInput.sequenceMajor(x, steps, B).withLengths(lengths));
        int state = spec.stateSize();
        int directions = spec.directions();
        int outputs = spec.outputSize();
        for (int b = 0; b < B; b++) {
            float[] r;
            if (output == SequenceOutput.FINAL_STATE) {
                r = new float[directions * state];
                for (int d = 0; d < directions; d++) {
                    int layerDirection = (spec.layers() - 1) * directions + d;
                    System.arraycopy(out.hN(), (layerDirection * B + b) * state, r, d * state, state);
                }
            } else {
                r = new float[lengths[b] * outputs];
                for (int t = 0; t < lengths[b]; t++) {
                    System.arraycopy(out.output(), (t * B + b) * outputs, r, t * outputs, outputs);
                }
            }
            results[batch[b]] = r;
        }
    }
}
