package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.io.RnnModelFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch inference on {@code local[2]}: every row's result is the same layer's result on that sequence alone,
 * whatever partition and batch it landed in, in both output forms and through a {@code Pipeline}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecurrentTransformerTest {
    private static final RnnSpec SPEC = RnnSpec.builder(CellType.LSTM).inputSize(3).hiddenSize(5).layers(2)
            .bidirectional(true).build();
    private static final int ROWS = 60;
    private static final float TOLERANCE = 1e-5f;

    private SparkSession spark;
    private final List<float[]> sequences = new ArrayList<>();
    private RnnParameters weights;
    private Dataset<Row> data;

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[2]").appName("rnn4j-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        weights = RnnParameters.uniform(SPEC, 21);
        Random r = new Random(22);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            int length = 1 + r.nextInt(9);
            float[] s = new float[length * SPEC.inputSize()];
            Float[] boxed = new Float[s.length];
            for (int k = 0; k < s.length; k++) {
                s[k] = r.nextFloat() * 2 - 1;
                boxed[k] = s[k];
            }
            sequences.add(s);
            rows.add(RowFactory.create(i, boxed));
        }
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("id", DataTypes.IntegerType, false),
                DataTypes.createStructField("sequence", DataTypes.createArrayType(DataTypes.FloatType), false)));
        data = spark.createDataFrame(rows, schema).repartition(3);
    }

    @AfterAll
    void stop() {
        spark.stop();
        ExecutorLayers.closeAll();
    }

    /** The layer's result on one sequence alone. */
    private RnnOutput alone(Backend b, float[] s) {
        try (RecurrentLayer layer = RecurrentLayer.create(b, SPEC, weights)) {
            return layer.forward(RnnInput.sequenceMajor(s, s.length / SPEC.inputSize(), 1));
        }
    }

    private Path model(Path dir) throws Exception {
        Path p = dir.resolve("lstm.safetensors");
        RnnModelFile.save(p, weights, false);
        return p;
    }

    @Test
    void finalStatesAreEachSequencesAlone(@TempDir Path dir) throws Exception {
        List<Row> scored = new RecurrentTransformer().setModelPath(model(dir).toString()).setBatchSize(7)
                .setOutputCol("state").transform(data).orderBy("id").collectAsList();
        assertEquals(ROWS, scored.size());
        int p = SPEC.stateSize();
        try (Backend cpu = Backends.open("cpu")) {
            for (Row row : scored) {
                int id = row.getInt(0);
                RnnOutput expected = alone(cpu, sequences.get(id));
                float[] want = new float[2 * p];
                // the top layer's forward then reverse state: rows 2 and 3 of hN [L·D, 1, P]
                System.arraycopy(expected.hN(), 2 * p, want, 0, 2 * p);
                assertArrayEquals(want, floats(row.getList(2)), TOLERANCE, "row " + id);
            }
        }
    }

    @Test
    void rowsKeepTheirOwnValuesAndResultsAcrossManyWindows(@TempDir Path dir) throws Exception {
        // batch size 1: windows of 8 rows, so each partition of 20 rows reads three windows into the same copies,
        // with sequences of other lengths than the rows they replace; a cached result keeps every row
        Dataset<Row> scored = new RecurrentTransformer().setModelPath(model(dir).toString()).setBatchSize(1)
                .setOutputCol("state").transform(data).cache();
        List<Row> rows = scored.orderBy("id").collectAsList();
        assertEquals(ROWS, rows.size());
        int p = SPEC.stateSize();
        try (Backend cpu = Backends.open("cpu")) {
            for (int id = 0; id < ROWS; id++) {
                Row row = rows.get(id);
                assertEquals(id, row.getInt(0), "every row once");
                assertArrayEquals(sequences.get(id), floats(row.getList(1)), 0f, "row " + id + "'s sequence");
                float[] want = new float[2 * p];
                System.arraycopy(alone(cpu, sequences.get(id)).hN(), 2 * p, want, 0, 2 * p);
                assertArrayEquals(want, floats(row.getList(2)), TOLERANCE, "row " + id);
            }
        }
        scored.unpersist();
    }

    @Test
    void sequencesAreEachSequencesOutputsThroughAPipeline(@TempDir Path dir) throws Exception {
        RecurrentTransformer t = new RecurrentTransformer().setModelPath(model(dir).toString()).setBatchSize(16)
                .setOutput("sequence");
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {t}).fit(data);
        List<Row> scored = fitted.transform(data).orderBy("id").collectAsList();
        try (Backend cpu = Backends.open("cpu")) {
            for (Row row : scored) {
                int id = row.getInt(0);
                assertArrayEquals(alone(cpu, sequences.get(id)).output(), floats(row.getList(2)), TOLERANCE,
                        "row " + id);
            }
        }
    }

    @Test
    void aSavedPipelineLoadsAndScoresTheSame(@TempDir Path dir) throws Exception {
        RecurrentTransformer t = new RecurrentTransformer().setModelPath(model(dir).toString()).setBatchSize(9)
                .setThreads(1).setOutput("sequence").setOutputCol("out");
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {t}).fit(data);
        String saved = dir.resolve("pipeline").toString();
        fitted.write().save(saved);
        PipelineModel loaded = PipelineModel.load(saved);
        RecurrentTransformer stage = (RecurrentTransformer) loaded.stages()[0];
        assertEquals(t.uid(), stage.uid());
        assertEquals(9, stage.getOrDefault(stage.batchSize()));
        assertEquals("sequence", stage.getOrDefault(stage.output()));
        assertEquals(fitted.transform(data).orderBy("id").collectAsList(),
                loaded.transform(data).orderBy("id").collectAsList());
        t.save(dir.resolve("stage").toString());
        assertEquals(t.extractParamMap().toString(),
                RecurrentTransformer.load(dir.resolve("stage").toString()).extractParamMap().toString());
    }

    @Test
    void badColumnsAndModelsAreRefusedOnTheDriver(@TempDir Path dir) throws Exception {
        RecurrentTransformer t = new RecurrentTransformer().setModelPath(model(dir).toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.setInputCol("missing").transform(data));
        assertTrue(e.getMessage().contains("no input column 'missing'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.setInputCol("id").transform(data));
        assertTrue(e.getMessage().contains("input column 'id' is int; expected array<float>"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new RecurrentTransformer().setOutput("last"));
        assertTrue(e.getMessage().contains("final_state or sequence"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new RecurrentTransformer().transform(data));
        assertTrue(e.getMessage().contains("modelPath is not set"), e.getMessage());
    }

    @Test
    void doublesAreScoredAsTheirFloats(@TempDir Path dir) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int id = 0; id < ROWS; id++) {
            float[] s = sequences.get(id);
            Double[] d = new Double[s.length];
            for (int k = 0; k < s.length; k++) {
                d[k] = (double) s[k];
            }
            rows.add(RowFactory.create(id, d));
        }
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("id", DataTypes.IntegerType, false),
                DataTypes.createStructField("sequence", DataTypes.createArrayType(DataTypes.DoubleType), false)));
        List<Row> scored = new RecurrentTransformer().setModelPath(model(dir).toString()).setBatchSize(5).setThreads(1)
                .transform(spark.createDataFrame(rows, schema).repartition(2)).orderBy("id").collectAsList();
        int p = SPEC.stateSize();
        try (Backend cpu = Backends.open("cpu")) {
            for (Row row : scored) {
                int id = row.getInt(0);
                float[] want = new float[2 * p];
                System.arraycopy(alone(cpu, sequences.get(id)).hN(), 2 * p, want, 0, 2 * p);
                assertArrayEquals(want, floats(row.getList(2)), TOLERANCE, "row " + id);
            }
        }
    }

    @Test
    void aNullValueOrAPartStepFailsTheJobWithTheReason(@TempDir Path dir) throws Exception {
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("sequence", DataTypes.createArrayType(DataTypes.FloatType, true), true)));
        RecurrentTransformer t = new RecurrentTransformer().setModelPath(model(dir).toString());
        // a null among the values, and a zero beside it that is a real value
        Row withNull = RowFactory.create((Object) new Float[] {0f, 1f, 2f, 3f, null, 5f});
        Exception e = assertThrows(Exception.class,
                () -> t.transform(spark.createDataFrame(List.of(withNull), schema)).collectAsList());
        assertTrue(causes(e).contains("holds null at 4"), causes(e));
        Row partStep = RowFactory.create((Object) new Float[] {1f, 2f, 3f, 4f});
        e = assertThrows(Exception.class,
                () -> t.transform(spark.createDataFrame(List.of(partStep), schema)).collectAsList());
        assertTrue(causes(e).contains("is not a whole number (at least one) of steps of 3"), causes(e));
        Row none = RowFactory.create((Object) null);
        e = assertThrows(Exception.class,
                () -> t.transform(spark.createDataFrame(List.of(none), schema)).collectAsList());
        assertTrue(causes(e).contains("a row has no value (null) in column 'sequence'"), causes(e));
        Row zeros = RowFactory.create((Object) new Float[] {0f, 0f, 0f});
        assertEquals(1, t.transform(spark.createDataFrame(List.of(zeros), schema)).collectAsList().size());
    }

    /** Every message down the cause chain: Spark wraps a task's exception. */
    private static String causes(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append(" / ");
        }
        return all.toString();
    }

    private static float[] floats(List<Object> values) {
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = ((Number) values.get(i)).floatValue();
        }
        return f;
    }
}
