package dev.rnn4j.examples;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pow;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.spark.DataParallelTrainer;
import dev.rnn4j.spark.RecurrentTransformer;
import dev.rnn4j.train.SequenceModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Forecasting on Apache Spark, in local mode: many synthetic series (each its own period, amplitude, phase, trend
 * and noise) cut into windows, an LSTM forecaster trained data-parallel across executors in barrier mode with
 * checkpoints, then the held-out windows scored over a {@code Dataset} by the {@link RecurrentTransformer} and the
 * forecasts compared with the naive last-value forecast.
 *
 * <p>Spark is not in the examples jar: {@code ./rnn4j-examples spark-forecast} puts Spark's jars after it.
 */
@Command(name = "spark-forecast", mixinStandardHelpOptions = true, versionProvider = Examples.Version.class,
        description = {"Data-parallel training on Apache Spark (local mode): an LSTM forecaster trained on many "
                + "synthetic series across executors, then the held-out windows scored over a Dataset.",
                "A second run with the same --out and more --steps resumes from the checkpoints there."})
public final class SparkForecastExample implements Callable<Integer> {
    /** Of each series, the share whose windows train; the rest are scored. */
    private static final double TRAIN_SHARE = 0.8;
    private static final double NOISE = 0.05;

    @Spec
    CommandSpec spec;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "60",
            description = "Optimizer steps, each on every training window (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "examples-out/spark-forecast",
            description = "Checkpoints, the model, the forecasts (Parquet) and the loss curve (default: "
                    + "${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--master", defaultValue = "local[2]",
            description = "Spark master (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--executors", paramLabel = "N", defaultValue = "2",
            description = "Replicas trained at once, one per partition; the master must run that many tasks at "
                    + "once (default: ${DEFAULT-VALUE}).")
    int executors;

    @Option(names = "--series", paramLabel = "N", defaultValue = "64",
            description = "Series generated (default: ${DEFAULT-VALUE}).")
    int series;

    @Option(names = "--length", paramLabel = "T", defaultValue = "240",
            description = "Values per series (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--window", paramLabel = "W", defaultValue = "24",
            description = "Past values a forecast reads (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--hidden", paramLabel = "H", defaultValue = "32",
            description = "LSTM hidden size (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.02",
            description = "Adam's learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "20",
            description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu",
            description = "The backend each executor opens (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "CPU threads per task (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for the data and the weights.")
    long seed;

    /** What a run measured. */
    record Outcome(DataParallelTrainer.Trained trained, double modelMse, double naiveMse, long scored) {
    }

    public static void main(String[] args) {
        System.exit(Examples.execute(new SparkForecastExample(), args, new PrintWriter(System.out, true),
                new PrintWriter(System.err, true)));
    }

    @Override
    public Integer call() throws IOException {
        try {
            run(spec.commandLine().getOut());
        } catch (Exception e) { // SparkException is checked, but Scala code throws it undeclared
            if (!(e instanceof org.apache.spark.SparkException)) {
                throw e;
            }
            // Spark wraps a task's failure in its own report; the reason is the innermost cause's.
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new IllegalStateException("a Spark job failed: " + cause.getMessage(), e);
        }
        return 0;
    }

    Outcome run(PrintWriter print) throws IOException {
        if (window < 2 || length < window + 2 || series < 1 || executors < 1 || steps < 1) {
            throw new IllegalArgumentException("need --window >= 2, --length > --window + 1, and at least one "
                    + "series, executor and step");
        }
        Files.createDirectories(out);
        SparkSession spark = SparkSession.builder().master(master).appName("rnn4j spark-forecast")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            spark.sparkContext().setLogLevel("WARN");
            return run(spark, print);
        } finally {
            spark.stop();
        }
    }

    private Outcome run(SparkSession spark, PrintWriter print) throws IOException {
        List<Row> train = new ArrayList<>();
        List<Row> held = new ArrayList<>();
        windows(train, held);
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("series", DataTypes.IntegerType, false),
                DataTypes.createStructField("t", DataTypes.IntegerType, false),
                DataTypes.createStructField("inputs", DataTypes.createArrayType(DataTypes.FloatType, false), false),
                DataTypes.createStructField("target", DataTypes.createArrayType(DataTypes.FloatType, false), false)));
        Dataset<Row> trainRows = spark.createDataFrame(train, schema).repartition(executors);
        Dataset<Row> heldRows = spark.createDataFrame(held, schema).repartition(executors);
        DataParallelTrainer.Recipe recipe = new DataParallelTrainer.Recipe("LSTM", 1, hidden, 1, 1, seed, "adam",
                learningRate, steps, backend, threads);
        print.printf("training on %d windows of %d series in %d partitions (%s), %d steps%n", train.size(), series,
                executors, spark.sparkContext().master(), steps);
        DataParallelTrainer.Trained trained = DataParallelTrainer.train(trainRows, recipe,
                new DataParallelTrainer.Checkpoints(out.resolve("checkpoints").toUri().toString(), checkpointEvery));
        double[] losses = trained.losses();
        if (trained.firstStep() > 0) {
            print.printf("resumed from the checkpoint after step %d%n", trained.firstStep());
        }
        for (int i = 0; i < losses.length; i++) {
            int step = trained.firstStep() + i + 1;
            if (i == 0 || step % 10 == 0 || i == losses.length - 1) {
                print.printf("step %4d  loss %.5f%n", step, losses[i]);
            }
        }
        if (losses.length == 0) {
            print.printf("nothing to train: the checkpoints are at step %d already%n", trained.firstStep());
        } else {
            print.printf("%.1f ms/step, of which computing a shard %.1f; %d bytes sent per task per step%n",
                    trained.millisPerStep(), trained.computeMillisPerStep(), trained.bytesSentPerStep());
            LossPlot.write(out.resolve("loss.png"), losses, List.of());
        }

        Path model = out.resolve("model.safetensors");
        float[] headWeight = trained.tensors().get("head.weight");
        float headBias = trained.tensors().get("head.bias")[0];
        try (Backend b = Backends.open(backend); SequenceModel m = trained.load(b, recipe)) {
            RnnModelFile.save(model, m.recurrentWeights(), false);
        }
        spark.udf().register("rnn4j_head", (UDF1<scala.collection.Seq<Float>, Float>) state -> {
            double sum = headBias;
            for (int i = 0; i < headWeight.length; i++) {
                sum += headWeight[i] * state.apply(i);
            }
            return (float) sum;
        }, DataTypes.FloatType);
        Dataset<Row> forecasts = new RecurrentTransformer().setModelPath(model.toString()).setInputCol("inputs")
                .setOutputCol("state").setBackend(backend).setThreads(threads).transform(heldRows)
                .select(col("series"), col("t"), element_at(col("target"), 1).as("target"),
                        org.apache.spark.sql.functions.call_udf("rnn4j_head", col("state")).as("forecast"),
                        element_at(col("inputs"), window).as("last"));
        forecasts.write().mode("overwrite").parquet(out.resolve("forecasts").toString());
        Row errors = spark.read().parquet(out.resolve("forecasts").toString())
                .agg(avg(pow(col("forecast").minus(col("target")), lit(2))),
                        avg(pow(col("last").minus(col("target")), lit(2))), org.apache.spark.sql.functions.count(
                                lit(1))).first();
        double modelMse = errors.getDouble(0);
        double naiveMse = errors.getDouble(1);
        print.printf("held-out windows: %d; forecast MSE %.5f, naive last-value MSE %.5f%n", errors.getLong(2),
                modelMse, naiveMse);
        print.printf("wrote %s, %s, %s and %s%n", out.resolve("checkpoints"), model, out.resolve("forecasts"),
                out.resolve("loss.png"));
        return new Outcome(trained, modelMse, naiveMse, errors.getLong(2));
    }

    /** Each series' windows: the first {@link #TRAIN_SHARE} train, the rest are held out. */
    private void windows(List<Row> train, List<Row> held) {
        Random g = new Random(seed);
        for (int s = 0; s < series; s++) {
            double period = 8 + g.nextInt(25);
            double amplitude = 0.5 + g.nextDouble();
            double phase = g.nextDouble() * 2 * Math.PI;
            double trend = (g.nextDouble() - 0.5) * 2e-3;
            float[] v = new float[length];
            for (int t = 0; t < length; t++) {
                v[t] = (float) (amplitude * Math.sin(2 * Math.PI * t / period + phase) + trend * t
                        + NOISE * g.nextGaussian());
            }
            int split = (int) (length * TRAIN_SHARE);
            for (int end = window; end < length; end++) { // the window [end - window, end) forecasts v[end]
                Float[] x = new Float[window];
                for (int k = 0; k < window; k++) {
                    x[k] = v[end - window + k];
                }
                Row row = RowFactory.create(s, end, x, new Float[] {v[end]});
                (end < split ? train : held).add(row);
            }
        }
    }
}
