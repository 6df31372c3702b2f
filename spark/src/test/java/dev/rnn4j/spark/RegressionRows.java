package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;
import dev.rnn4j.train.TrainableTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The training tests' rows (sequences of two inputs, of 1 to 6 steps; the target a tenth of their sum) and their
 * oracle: one model trained on every row at once, packed here independently of the trainer.
 */
final class RegressionRows {
    static final int INPUTS = 2;
    static final float TOLERANCE = 1e-5f;
    static final StructType SCHEMA = DataTypes.createStructType(List.of(
            DataTypes.createStructField("inputs", DataTypes.createArrayType(DataTypes.FloatType), false),
            DataTypes.createStructField("target", DataTypes.createArrayType(DataTypes.FloatType), false)));

    private final List<float[]> inputs = new ArrayList<>();
    private final List<Float> targets = new ArrayList<>();
    private final List<Row> rows = new ArrayList<>();

    RegressionRows(int count, long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < count; i++) {
            int length = 1 + r.nextInt(6);
            float[] x = new float[length * INPUTS];
            Float[] boxed = new Float[x.length];
            float sum = 0;
            for (int k = 0; k < x.length; k++) {
                x[k] = r.nextFloat() * 2 - 1;
                boxed[k] = x[k];
                sum += x[k];
            }
            inputs.add(x);
            targets.add(0.1f * sum);
            rows.add(RowFactory.create(boxed, new Float[] {0.1f * sum}));
        }
    }

    /** The rows in {@code partitions} partitions. */
    Dataset<Row> dataset(SparkSession spark, int partitions) {
        return spark.createDataFrame(rows, SCHEMA).repartition(partitions);
    }

    /** Every row as one batch. */
    SequenceModel.Batch wholeBatch() {
        int count = inputs.size();
        int steps = inputs.stream().mapToInt(x -> x.length / INPUTS).max().orElseThrow();
        float[] x = new float[steps * count * INPUTS];
        int[] lengths = new int[count];
        float[] y = new float[count];
        for (int r = 0; r < count; r++) {
            float[] s = inputs.get(r);
            lengths[r] = s.length / INPUTS;
            for (int t = 0; t < lengths[r]; t++) {
                System.arraycopy(s, t * INPUTS, x, (t * count + r) * INPUTS, INPUTS);
            }
            y[r] = targets.get(r);
        }
        return new SequenceModel.Batch(steps, count, null, x, lengths, null, y);
    }

    /**
     * Asserts the parallel result is one model trained {@code steps} steps on every row: every loss, every
     * tensor, and the loaded model's predictions, within {@link #TOLERANCE}.
     */
    void assertTrainsAsOneModel(DataParallelTrainer.Trained parallel, DataParallelTrainer.Recipe recipe, int steps) {
        try (Backend b = Backends.open(recipe.backend());
             SequenceModel one = new SequenceModel(b, recipe.config());
             Optimizer optimizer = recipe.newOptimizer(b)) {
            SequenceModel.Batch everything = wholeBatch();
            double[] losses = new double[steps];
            for (int step = 0; step < steps; step++) {
                losses[step] = one.trainStep(everything, optimizer, 0);
            }
            assertTrue(losses[steps - 1] < losses[0], "the loss falls: " + losses[0] + " -> " + losses[steps - 1]);
            assertEquals(inputs.size(), parallel.rows());
            for (int i = 0; i < parallel.losses().length; i++) {
                assertEquals(losses[parallel.firstStep() + i], parallel.losses()[i], TOLERANCE, "loss at step "
                        + (parallel.firstStep() + i));
            }
            try (SequenceModel loaded = parallel.load(b, recipe)) {
                assertArrayEquals(one.predict(everything), loaded.predict(everything), TOLERANCE,
                        "the loaded model predicts as the one trained alone");
            }
            Map<String, float[]> tensors = parallel.tensors();
            assertEquals(one.trainableTensors().size(), tensors.size());
            for (TrainableTensor t : one.trainableTensors()) {
                float[] expected = new float[(int) t.size()];
                b.download(t.value(), 0, expected, 0, expected.length);
                assertArrayEquals(expected, tensors.get(t.name()), TOLERANCE, t.name());
            }
        }
    }
}
