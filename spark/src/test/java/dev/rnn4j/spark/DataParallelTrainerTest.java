package dev.rnn4j.spark;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Data-parallel training on {@code local[2]}, two replicas in barrier mode, against one model trained on every row
 * at once: the same weights after every step, within float rounding of the different summation order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DataParallelTrainerTest {
    /** Odd, so the two shards differ in size and their gradients must be weighted by it. */
    private static final int ROWS = 41;
    private static final DataParallelTrainer.Recipe RECIPE = new DataParallelTrainer.Recipe("LSTM", 2, 6, 1, 1, 31,
            0.2f, 5, "reference");
    private static final float TOLERANCE = 1e-5f;

    private SparkSession spark;
    private Dataset<Row> data;
    private final List<Row> all = new ArrayList<>();

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[2]").appName("rnn4j-train-test")
                .config("spark.ui.enabled", "false").getOrCreate();
        Random r = new Random(32);
        for (int i = 0; i < ROWS; i++) {
            int length = 1 + r.nextInt(6);
            Float[] x = new Float[length * 2];
            float sum = 0;
            for (int k = 0; k < x.length; k++) {
                x[k] = r.nextFloat() * 2 - 1;
                sum += x[k];
            }
            all.add(RowFactory.create(x, new Float[] {0.1f * sum}));
        }
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("inputs", DataTypes.createArrayType(DataTypes.FloatType), false),
                DataTypes.createStructField("target", DataTypes.createArrayType(DataTypes.FloatType), false)));
        data = spark.createDataFrame(all, schema).repartition(2);
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    @Test
    void twoReplicasTrainAsOneModelOnAllTheRows() {
        matchesOneModel(DataParallelTrainer.train(data, RECIPE));
    }

    @Test
    void treeAggregateTrainsAsOneModelToo() {
        matchesOneModel(DataParallelTrainer.trainByTreeAggregate(data, RECIPE));
    }

    private void matchesOneModel(Map<String, float[]> parallel) {
        try (Backend b = Backends.open(RECIPE.backend());
             SequenceModel one = new SequenceModel(b, RECIPE.config());
             Optimizer sgd = Optimizer.sgd(b, RECIPE.learningRate(), 0f, 0f)) {
            SequenceModel.Batch everything = DataParallelTrainer.batchOf(data.collectAsList(), RECIPE);
            double first = 0;
            double last = 0;
            for (int step = 0; step < RECIPE.steps(); step++) {
                double loss = one.trainStep(everything, sgd, 0);
                first = step == 0 ? loss : first;
                last = loss;
            }
            assertTrue(last < first, "the loss falls: " + first + " -> " + last);
            assertEquals(one.trainableTensors().size(), parallel.size());
            for (TrainableTensor t : one.trainableTensors()) {
                float[] expected = new float[(int) t.size()];
                b.download(t.value(), 0, expected, 0, expected.length);
                float[] got = parallel.get(t.name());
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], got[i], TOLERANCE, t.name() + "[" + i + "]");
                }
            }
        }
    }
}
