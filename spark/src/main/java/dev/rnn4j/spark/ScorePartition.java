package dev.rnn4j.spark;

import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnSpec;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.util.ArrayData;

/**
 * Scores one partition: reads a window of rows, sorts it by sequence length, runs it in batches on a layer borrowed
 * from {@link ExecutorLayers}, and gives the rows back in their order with the result appended. Sorting within the
 * window keeps each batch's lengths close, so little of a batch is padding.
 *
 * <p>It works on Spark's internal rows, not on {@code Row}s: a {@code Row} holds an array column as boxed numbers,
 * and boxing every value in and out cost more than the recurrent layer itself. Internal rows hand an array over as
 * one copy of its floats, and take the result as one.
 */
final class ScorePartition implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
    private static final long serialVersionUID = 1L;
    /** Rows read at once, in batches: enough for sorting to group lengths, few enough to hold. */
    static final int WINDOW_BATCHES = 8;

    private final Broadcast<byte[]> model;
    private final String modelKey;
    private final String backend;
    private final int threads;
    private final int batchSize;
    private final SequenceColumn input;
    private final SequenceOutput output;

    ScorePartition(Broadcast<byte[]> model, String modelKey, String backend, int threads, int batchSize,
                   SequenceColumn input,
                   SequenceOutput output) {
        this.model = model;
        this.modelKey = modelKey;
        this.backend = backend;
        this.threads = threads;
        this.batchSize = batchSize;
        this.input = input;
        this.output = output;
    }

    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
        return new Iterator<>() {
            private final List<InternalRow> window = new ArrayList<>();
            private final RowCopies copies = new RowCopies();
            private final BatchBuffers buffers = new BatchBuffers();
            private final GenericInternalRow result = new GenericInternalRow(1);
            private final JoinedRow joined = new JoinedRow();
            private UnsafeArrayData[] results;
            private int next;

            @Override
            public boolean hasNext() {
                if (next < window.size()) {
                    return true;
                }
                // The rows handed out so far are done with: Spark's operators copy a row they keep, as any
                // operator may reuse its row objects. So the last window's copies are reused.
                window.clear();
                next = 0;
                while (rows.hasNext() && window.size() < batchSize * WINDOW_BATCHES) {
                    window.add(copies.copy(window.size(), rows.next())); // the scan may reuse one row object
                }
                if (window.isEmpty()) {
                    return false;
                }
                results = score(window, buffers);
                return true;
            }

            @Override
            public InternalRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                result.update(0, results[next]);
                return joined.apply(window.get(next++), result);
            }
        };
    }

    /** Every row's result, in the rows' order. */
    private UnsafeArrayData[] score(List<InternalRow> window, BatchBuffers buffers) {
        RnnSpec spec = ExecutorLayers.model(modelKey, model.value()).spec();
        ArrayData[] sequences = new ArrayData[window.size()];
        int[] lengths = new int[sequences.length];
        for (int i = 0; i < sequences.length; i++) {
            sequences[i] = input.steps(window.get(i), spec.inputSize());
            lengths[i] = sequences[i].numElements() / spec.inputSize();
        }
        Integer[] order = new Integer[sequences.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt(i -> lengths[i]));
        UnsafeArrayData[] results = new UnsafeArrayData[sequences.length];
        RecurrentLayer layer = ExecutorLayers.borrow(backend, threads, modelKey, model.value());
        try {
            for (int from = 0; from < order.length; from += batchSize) {
                int[] batch = new int[Math.min(batchSize, order.length - from)];
                for (int b = 0; b < batch.length; b++) {
                    batch[b] = order[from + b];
                }
                run(layer, spec, sequences, lengths, batch, results, buffers);
            }
        } finally {
            ExecutorLayers.giveBack(backend, threads, modelKey, layer);
        }
        return results;
    }

    private void run(RecurrentLayer layer, RnnSpec spec, ArrayData[] sequences, int[] sequenceLengths, int[] batch,
                     UnsafeArrayData[] results, BatchBuffers buffers) {
        int inputs = spec.inputSize();
        int B = batch.length;
        int[] lengths = new int[B];
        int steps = 0;
        for (int b = 0; b < B; b++) {
            lengths[b] = sequenceLengths[batch[b]];
            steps = Math.max(steps, lengths[b]);
        }
        int outputs = spec.outputSize();
        buffers.fit(steps * B * inputs, steps * B * outputs, spec.hiddenStateFloats(B));
        float[] x = buffers.x;
        for (int b = 0; b < B; b++) {
            // straight from the row's array into the step-major batch: no array of the sequence's own between
            for (int t = 0; t < lengths[b]; t++) {
                input.copy(sequences[batch[b]], t * inputs, inputs, x, (t * B + b) * inputs);
            }
            // a shorter sequence's padding steps are never read (the lengths stop them), so old values may stay
        }
        layer.forward(FloatBuffer.wrap(x), steps, B, lengths, FloatBuffer.wrap(buffers.output),
                FloatBuffer.wrap(buffers.hidden), null);
        int state = spec.stateSize();
        int directions = spec.directions();
        for (int b = 0; b < B; b++) {
            UnsafeArrayData r;
            if (output == SequenceOutput.FINAL_STATE) {
                r = UnsafeArrayData.createFreshArray(directions * state, Float.BYTES);
                for (int d = 0; d < directions; d++) {
                    int layerDirection = (spec.layers() - 1) * directions + d;
                    PackedArrays.copyFloats(buffers.hidden, (layerDirection * B + b) * state, r, d * state, state);
                }
            } else {
                r = UnsafeArrayData.createFreshArray(lengths[b] * outputs, Float.BYTES);
                for (int t = 0; t < lengths[b]; t++) {
                    PackedArrays.copyFloats(buffers.output, (t * B + b) * outputs, r, t * outputs, outputs);
                }
            }
            results[batch[b]] = r;
        }
    }

    /**
     * A window's copies of the rows it reads, kept from window to window: a packed (unsafe) row is copied into the
     * last window's copy at its place, so a partition's rows are not each a new allocation.
     */
    private static final class RowCopies {
        private final List<UnsafeRow> kept = new ArrayList<>();

        InternalRow copy(int place, InternalRow row) {
            if (!(row instanceof UnsafeRow packed)) {
                return row.copy();
            }
            if (place < kept.size()) {
                UnsafeRow into = kept.get(place);
                into.copyFrom(packed);
                return into;
            }
            UnsafeRow copy = packed.copy();
            kept.add(copy);
            return copy;
        }
    }

    /** One partition's batch arrays, grown to the largest batch and reused, so scoring allocates only results. */
    private static final class BatchBuffers {
        float[] x = new float[0];
        float[] output = new float[0];
        float[] hidden = new float[0];

        void fit(int inputs, int outputs, int states) {
            if (x.length < inputs) {
                x = new float[inputs];
            }
            if (output.length < outputs) {
                output = new float[outputs];
            }
            if (hidden.length < states) {
                hidden = new float[states];
            }
        }
    }
}
