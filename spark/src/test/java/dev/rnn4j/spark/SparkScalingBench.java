package dev.rnn4j.spark;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.CellType;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.train.SequenceModel;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * Measures (not a test): data-parallel training steps per second in barrier mode and by treeAggregate on
 * {@code local[1]} and {@code local[2]}, one partition per core, beside one JVM computing the same full-batch
 * gradient; and batch inference rows per second through the transformer on {@code local[1]} beside one JVM's
 * batched loop. Run: {@code java <spark JVM flags> -cp <test classpath> dev.rnn4j.spark.SparkScalingBench}.
 */
public final class SparkScalingBench {
    private static final int ROWS = 512;
    private static final int LENGTH = 50;
    private static final int STEPS = 10;
    /** Inference scores the training rows this many times over: enough that a job's fixed cost is small. */
    private static final int COPIES = 64;
    private static final int INFERENCE_ROUNDS = 7;

    private SparkScalingBench() {
    }

    public static void main(String[] args) throws Exception {
        List<String> parts = args.length == 0 ? List.of("training", "inference") : List.of(args);
        DataParallelTrainer.Recipe recipe = new DataParallelTrainer.Recipe("LSTM", 32, 128, 1, 1, 7, 0.01f, STEPS,
                "cpu", 0);
        Random r = new Random(1);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            Float[] x = new Float[LENGTH * recipe.inputSize()];
            for (int k = 0; k < x.length; k++) {
                x[k] = r.nextFloat();
            }
            rows.add(RowFactory.create(x, new Float[] {r.nextFloat()}));
        }
        var schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("inputs", DataTypes.createArrayType(DataTypes.FloatType), false),
                DataTypes.createStructField("target", DataTypes.createArrayType(DataTypes.FloatType), false)));
        for (int round = 0; parts.contains("training") && round < 2; round++) {
            for (int cores : new int[] {1, 2}) {
                SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("scaling")
                        .config("spark.ui.enabled", "false").getOrCreate();
                Dataset<Row> data = spark.createDataFrame(rows, schema).repartition(cores).cache();
                data.count();
                DataParallelTrainer.train(data, new DataParallelTrainer.Recipe("LSTM", 32, 128, 1, 1, 7, 0.01f, 2,
                        "cpu", 0)); // warm-up
                long t0 = System.nanoTime();
                DataParallelTrainer.train(data, recipe);
                long t1 = System.nanoTime();
                DataParallelTrainer.trainByTreeAggregate(data, recipe);
                long t2 = System.nanoTime();
                System.out.printf("round %d local[%d]: barrier %.1f ms/step, treeAggregate %.1f ms/step%n", round,
                        cores, (t1 - t0) / 1e6 / STEPS, (t2 - t1) / 1e6 / STEPS);
                spark.stop();
            }
            try (Backend b = Backends.open("cpu"); SequenceModel m = new SequenceModel(b, recipe.config())) {
                SequenceModel.Batch all = wholeBatch(rows, recipe.inputSize());
                m.computeGradients(all);
                long t0 = System.nanoTime();
                for (int s = 0; s < STEPS; s++) {
                    m.computeGradients(all);
                }
                System.out.printf("round %d one JVM, full-batch gradient of %d rows: %.1f ms/step; gradient %d floats%n",
                        round, ROWS, (System.nanoTime() - t0) / 1e6 / STEPS, m.trainableTensors().stream()
                                .mapToLong(t -> t.size()).sum());
            }
        }
        if (parts.contains("inference")) {
            inference(rows);
        }
    }

    /** Every row (all of length LENGTH) as one batch, sequence-major. */
    private static SequenceModel.Batch wholeBatch(List<Row> rows, int inputs) {
        int n = rows.size();
        float[] x = new float[LENGTH * n * inputs];
        float[] y = new float[n];
        for (int r = 0; r < n; r++) {
            Float[] s = (Float[]) rows.get(r).get(0);
            for (int t = 0; t < LENGTH; t++) {
                for (int i = 0; i < inputs; i++) {
                    x[(t * n + r) * inputs + i] = s[t * inputs + i];
                }
            }
            y[r] = ((Float[]) rows.get(r).get(1))[0];
        }
        return new SequenceModel.Batch(LENGTH, n, null, x, null, null, y);
    }

    private static void inference(List<Row> rows) throws Exception {
        RnnSpec spec = RnnSpec.builder(CellType.LSTM).inputSize(32).hiddenSize(128).layers(1).build();
        RnnParameters weights = RnnParameters.uniform(spec, 3);
        Path model = Files.createTempFile("rnn4j-scaling", ".safetensors");
        RnnModelFile.save(model, weights, false);
        int batch = 64;
        SparkSession spark = SparkSession.builder().master("local[1]").appName("scoring")
                .config("spark.ui.enabled", "false").getOrCreate();
        var schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("sequence", DataTypes.createArrayType(DataTypes.FloatType), false)));
        List<Row> many = new ArrayList<>();
        for (int copy = 0; copy < COPIES; copy++) {
            for (Row row : rows) {
                many.add(RowFactory.create(row.get(0)));
            }
        }
        // From a file, as a real job's rows are: a Dataset made from a local list carries the rows in its plan, and
        // every query over it hashes them all on the driver.
        Path parquet = Files.createTempDirectory("rnn4j-scaling").resolve("rows.parquet");
        spark.createDataFrame(many, schema).repartition(1).write().parquet(parquet.toString());
        Dataset<Row> data = spark.read().parquet(parquet.toString()).cache();
        data.count();
        RecurrentTransformer t = new RecurrentTransformer().setModelPath(model.toString()).setBatchSize(batch);
        t.transform(data).count();
        float[] x = new float[LENGTH * batch * spec.inputSize()];
        try (Backend b = Backends.open("cpu"); RecurrentLayer layer = RecurrentLayer.create(b, spec, weights)) {
            layer.forward(RnnInput.sequenceMajor(x, LENGTH, batch));
            // the same reused buffers as the transformer's
            FloatBuffer output = FloatBuffer.allocate(LENGTH * batch * spec.outputSize());
            FloatBuffer hidden = FloatBuffer.allocate(spec.hiddenStateFloats(batch));
            List<Double> ratios = new ArrayList<>();
            for (int round = 0; round < INFERENCE_ROUNDS; round++) {
                // alternate which goes first, so neither always meets the other's garbage or a quieter minute
                double spark1 = 0;
                double jvm = 0;
                for (int turn = 0; turn < 2; turn++) {
                    if ((round + turn) % 2 == 0) {
                        long t0 = System.nanoTime();
                        long n = t.transform(data).count();
                        spark1 = n / ((System.nanoTime() - t0) / 1e9);
                    } else {
                        long t0 = System.nanoTime();
                        for (int done = 0; done < many.size(); done += batch) {
                            layer.forward(FloatBuffer.wrap(x), LENGTH, batch, null, output, hidden, null);
                        }
                        jvm = many.size() / ((System.nanoTime() - t0) / 1e9);
                    }
                }
                ratios.add(spark1 / jvm);
                System.out.printf("inference round %d: transformer on local[1] %.0f rows/s, one JVM batched %.0f rows/s"
                        + " (batch %d, T %d, %d rows): %.2fx%n", round, spark1, jvm, batch, LENGTH, many.size(),
                        spark1 / jvm);
            }
            ratios.sort(null);
            System.out.printf("inference: median ratio %.2fx over %d rounds%n", ratios.get(ratios.size() / 2),
                    ratios.size());
        }
        spark.stop();
    }
}
