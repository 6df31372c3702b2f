package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training on {@code local[2]} (a task may fail three times), two replicas, against one model trained
 * on every row at once: the same weights and losses, within float rounding of the different summation order; also
 * when a task fails mid-run and Spark retries it, and when a run resumes from its checkpoints.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DataParallelTrainerTest {
    /** Odd, so the two shards differ in size and their gradients must be weighted by it. */
    private static final int ROWS = 41;
    private static final DataParallelTrainer.Recipe RECIPE = new DataParallelTrainer.Recipe("LSTM", 2, 6, 1, 1, 31,
            "sgd", 0.2f, 5, "reference", 0);

    private SparkSession spark;
    private Dataset<Row> data;
    private final RegressionRows rows = new RegressionRows(ROWS, 32);

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[2,3]").appName("rnn4j-train-test")
                .config("spark.ui.enabled", "false").getOrCreate();
        data = rows.dataset(spark, 2);
    }


    @AfterAll
    void stop() {
        spark.stop();
        ExecutorLayers.closeAll();
    }

    @AfterEach
    void noFaults() {
        DataParallelTrainer.beforeStep = (partition, attempt, step) -> {
        };
    }

    @Test
    void twoReplicasInBarrierModeTrainAsOneModelOnAllTheRows() {
        rows.assertTrainsAsOneModel(DataParallelTrainer.train(data, RECIPE), RECIPE, RECIPE.steps());
    }

    @Test
    void adamReplicasKeepEqualStateAndResumeFromACheckpoint(@TempDir Path dir) {
        DataParallelTrainer.Recipe adam = new DataParallelTrainer.Recipe("GRU", 2, 6, 2, 1, 33, "adam", 0.02f, 6,
                "reference", 0);
        rows.assertTrainsAsOneModel(DataParallelTrainer.train(data, adam), adam, adam.steps());
        failOnceBeforeStep3(new AtomicInteger()); // after the checkpoint of step 2: Adam's moments come back too
        DataParallelTrainer.Trained t = DataParallelTrainer.train(data, adam,
                new DataParallelTrainer.Checkpoints(dir.toString(), 2));
        assertEquals(2, t.firstStep());
        rows.assertTrainsAsOneModel(t, adam, adam.steps());
    }

    @Test
    void treeAggregateTrainsAsOneModelToo() {
        rows.assertTrainsAsOneModel(DataParallelTrainer.trainByTreeAggregate(data, RECIPE), RECIPE, RECIPE.steps());
    }

    @Test
    void aTaskThatFailsMidRunIsRetriedAndTheModelIsAsIfItHadNot() {
        AtomicInteger failures = new AtomicInteger();
        failOnceBeforeStep3(failures);
        rows.assertTrainsAsOneModel(DataParallelTrainer.train(data, RECIPE), RECIPE, RECIPE.steps());
        assertEquals(1, failures.get(), "the barrier stage failed once and was retried");
        failOnceBeforeStep3(failures);
        rows.assertTrainsAsOneModel(DataParallelTrainer.trainByTreeAggregate(data, RECIPE), RECIPE, RECIPE.steps());
        assertEquals(2, failures.get(), "the task failed once and was retried");
    }

    @Test
    void aRetriedBarrierStageResumesFromTheNewestCheckpoint(@TempDir Path dir) throws Exception {
        failOnceBeforeStep3(new AtomicInteger());
        String directory = dir.toUri().toString(); // file:/..., a Hadoop path
        DataParallelTrainer.Trained t = DataParallelTrainer.train(data, RECIPE,
                new DataParallelTrainer.Checkpoints(directory, 2));
        rows.assertTrainsAsOneModel(t, RECIPE, RECIPE.steps());
        assertEquals(2, t.firstStep(), "the retry started from the checkpoint after step 2");
        try (var files = Files.list(dir)) {
            assertEquals(List.of("step-0000000002.ckpt", "step-0000000004.ckpt", "step-0000000005.ckpt"),
                    files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList());
        }
    }

    @Test
    void aBadRowFailsTheRunWithItsReasonBeforeAnyReplicaStarts() {
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("inputs", DataTypes.createArrayType(DataTypes.FloatType), false),
                DataTypes.createStructField("target", DataTypes.createArrayType(DataTypes.FloatType), false)));
        Dataset<Row> bad = spark.createDataFrame(List.of(RowFactory.create(new Float[] {1f, 2f},
                new Float[] {1f, 2f})), schema);
        AtomicInteger steps = new AtomicInteger();
        DataParallelTrainer.beforeStep = (partition, attempt, step) -> steps.incrementAndGet();
        Exception e = assertThrows(Exception.class, () -> DataParallelTrainer.train(bad, RECIPE));
        assertTrue(causes(e).contains("a row's target has 2 values; the model has 1 outputs"), causes(e));
        assertEquals(0, steps.get(), "no replica took a step");
    }

    @Test
    void checkpointsOfAnotherRecipeAreRefusedOnTheDriver(@TempDir Path dir) {
        DataParallelTrainer.Checkpoints checkpoints = new DataParallelTrainer.Checkpoints(dir.toString(), 5);
        DataParallelTrainer.trainByTreeAggregate(data, RECIPE, checkpoints);
        DataParallelTrainer.Recipe wider = new DataParallelTrainer.Recipe("LSTM", 2, 7, 1, 1, 31, "sgd", 0.2f, 8,
                "reference", 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataParallelTrainer.train(data, wider, checkpoints));
        assertTrue(e.getMessage().contains("hiddenSize=6") && e.getMessage().contains("hiddenSize=7"),
                e.getMessage());
    }

    /** Every message down the cause chain: Spark wraps a task's exception. */
    private static String causes(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append(" / ");
        }
        return all.toString();
    }

    /** The task of partition 1 dies before step 3, the first time it gets there; {@code failures} counts it. */
    private static void failOnceBeforeStep3(AtomicInteger failures) {
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        DataParallelTrainer.beforeStep = (partition, attempt, step) -> {
            if (partition == 1 && step == 3 && failed.compareAndSet(false, true)) {
                failures.incrementAndGet();
                throw new IllegalStateException("injected: the task of partition 1 dies before step 3");
            }
        };
    }

    @Test
    void aLongerRunResumesWhereTheCheckpointsEndInEitherForm(@TempDir Path dir) {
        DataParallelTrainer.Checkpoints checkpoints = new DataParallelTrainer.Checkpoints(dir.toString(), 3);
        DataParallelTrainer.Trained first = DataParallelTrainer.trainByTreeAggregate(data, RECIPE, checkpoints);
        assertEquals(0, first.firstStep());
        DataParallelTrainer.Recipe longer = new DataParallelTrainer.Recipe("LSTM", 2, 6, 1, 1, 31, "sgd", 0.2f, 8,
                "reference", 0);
        DataParallelTrainer.Trained resumed = DataParallelTrainer.train(data, longer, checkpoints);
        assertEquals(RECIPE.steps(), resumed.firstStep());
        assertEquals(longer.steps() - RECIPE.steps(), resumed.losses().length);
        rows.assertTrainsAsOneModel(resumed, longer, longer.steps());
    }

    @Test
    void missingOrMistypedColumnsAreNamedOnTheDriver() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataParallelTrainer.train(data.drop("target"), RECIPE));
        assertTrue(e.getMessage().contains("no target column 'target'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataParallelTrainer.trainByTreeAggregate(
                data.withColumn("target", org.apache.spark.sql.functions.lit(1)), RECIPE));
        assertTrue(e.getMessage().contains("target column 'target' is int"), e.getMessage());
    }
}
