package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.io.RnnModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same on {@code local-cluster[2,1,1024]}: two executor JVMs besides the driver's, so the model travels by
 * broadcast between processes and the replicas sum their gradients over TCP between them. Spark starts the executors
 * through a Spark home; the module's surefire settings point SPARK_HOME at a bare one this test makes, and the
 * executors get this JVM's classpath and flags.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalClusterTest {
    private static final int ROWS = 23;

    private SparkSession spark;
    private final RegressionRows rows = new RegressionRows(ROWS, 41);

    @BeforeAll
    void start() throws Exception {
        String home = System.getenv("SPARK_HOME");
        if (home == null) {
            throw new IllegalStateException("SPARK_HOME is not set: run this test through the module's surefire "
                    + "settings");
        }
        Files.createDirectories(Path.of(home, "jars")); // the launcher requires it; the classpath comes below
        spark = SparkSession.builder().master("local-cluster[2,1,1024]").appName("rnn4j-local-cluster")
                .config("spark.ui.enabled", "false")
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", System.getProperty("rnn4j.spark.executorJavaOptions", ""))
                .getOrCreate();
    }

    @AfterAll
    void stop() {
        spark.stop();
        ExecutorLayers.closeAll();
    }

    @Test
    void theTasksRunInTwoOtherJvms() {
        Set<String> executors = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(List.of(1, 2, 3, 4), 2)
                .map(i -> org.apache.spark.SparkEnv.get().executorId() + "@" + ProcessHandle.current().pid())
                .collect().stream().collect(Collectors.toSet());
        assertEquals(2, executors.size(), executors.toString());
        for (String e : executors) {
            assertNotEquals(Long.toString(ProcessHandle.current().pid()), e.substring(e.indexOf('@') + 1));
        }
    }

    @Test
    void replicasInTwoJvmsTrainAsOneModelInEitherForm() {
        DataParallelTrainer.Recipe recipe = new DataParallelTrainer.Recipe("GRU", RegressionRows.INPUTS, 5, 1, 1, 43,
                "adam", 0.05f, 4, "reference", 0);
        rows.assertTrainsAsOneModel(DataParallelTrainer.train(rows.dataset(spark, 2), recipe), recipe,
                recipe.steps());
        rows.assertTrainsAsOneModel(DataParallelTrainer.trainByTreeAggregate(rows.dataset(spark, 2), recipe),
                recipe, recipe.steps());
    }

    @Test
    void theTransformerScoresInTheExecutorsAsTheLayerAlone(@TempDir Path dir) throws Exception {
        RnnSpec spec = RnnSpec.builder(CellType.LSTM).inputSize(RegressionRows.INPUTS).hiddenSize(4).build();
        RnnParameters weights = RnnParameters.uniform(spec, 44);
        Path model = dir.resolve("m.safetensors");
        RnnModelFile.save(model, weights, false);
        List<Row> scored = new RecurrentTransformer().setModelPath(model.toString()).setInputCol("inputs")
                .setBackend("cpu").setBatchSize(4).transform(rows.dataset(spark, 2)).collectAsList();
        assertEquals(ROWS, scored.size());
        try (Backend cpu = Backends.open("cpu"); RecurrentLayer layer = RecurrentLayer.create(cpu, spec, weights)) {
            for (Row row : scored) {
                List<Float> x = row.getList(0);
                float[] s = new float[x.size()];
                for (int i = 0; i < s.length; i++) {
                    s[i] = x.get(i);
                }
                float[] want = layer.forward(RnnInput.sequenceMajor(s, s.length / RegressionRows.INPUTS, 1)).hN();
                List<Float> got = row.getList(2);
                float[] g = new float[got.size()];
                for (int i = 0; i < g.length; i++) {
                    g[i] = got.get(i);
                }
                assertArrayEquals(want, g, RegressionRows.TOLERANCE);
            }
        }
    }
}
