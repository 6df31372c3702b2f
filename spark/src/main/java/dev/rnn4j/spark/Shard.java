package dev.rnn4j.spark;

import dev.rnn4j.train.SequenceModel;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * One partition's training rows packed once into the batch a replica trains on: sequences sequence-major and padded
 * to the longest ({@code [T, rows, I]}), their lengths, and the targets ({@code [rows, outputs]}). Packed once per
 * job, not once per step.
 */
record Shard(int rows, int steps, float[] inputs, int[] lengths, float[] targets) implements Serializable {

    /** The rows of one partition; an empty partition gives a shard of no rows. */
    static Shard pack(Iterator<InternalRow> partition, SequenceColumn inputColumn, SequenceColumn targetColumn,
                      int inputSize, int outputs) {
        List<float[]> sequences = new ArrayList<>();
        List<float[]> targetRows = new ArrayList<>();
        int steps = 0;
        while (partition.hasNext()) {
            InternalRow row = partition.next();
            float[] x = inputColumn.readSteps(row, inputSize);
            float[] y = targetColumn.read(row);
            if (y.length != outputs) {
                throw new IllegalArgumentException("a row's target has " + y.length + " values; the model has "
                        + outputs + " outputs");
            }
            sequences.add(x);
            targetRows.add(y);
            steps = Math.max(steps, x.length / inputSize);
        }
        int rows = sequences.size();
        float[] inputs = new float[Math.multiplyExact(Math.multiplyExact(steps, rows), inputSize)];
        int[] lengths = new int[rows];
        float[] targets = new float[rows * outputs];
        for (int r = 0; r < rows; r++) {
            float[] s = sequences.get(r);
            lengths[r] = s.length / inputSize;
            for (int t = 0; t < lengths[r]; t++) {
                System.arraycopy(s, t * inputSize, inputs, (t * rows + r) * inputSize, inputSize);
            }
            System.arraycopy(targetRows.get(r), 0, targets, r * outputs, outputs);
        }
        return new Shard(rows, steps, inputs, lengths, targets);
    }

    /** The shard as one training batch (null for a shard of no rows). */
    SequenceModel.Batch batch() {
        return rows == 0 ? null : new SequenceModel.Batch(steps, rows, null, inputs, lengths, null, targets);
    }
}
