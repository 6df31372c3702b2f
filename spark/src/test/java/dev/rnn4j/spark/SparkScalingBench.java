package dev.rnn4j.spark;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
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
import org.apache.spark.sql.types.StructType;

/**
 * Measures (not a test) rnn4j on Spark against one JVM, on one machine: data-parallel training with one and two
 * executors (task slots of one CPU thread each, on {@code local[2]}), in barrier mode and by treeAggregate, with the
 * compute and coordination time per step and the bytes each task sends; and batch inference rows/s through the
 * transformer against one JVM scoring the same sequences from memory.
 *
 * <p>The host these run on is shared, and its speed moves 15-50% from one minute to the next, so one executor on one
 * thread is measured <em>side by side</em> with one JVM's loop: the job on one core while the loop runs on the
 * other, both counted over the same interval. A loop beside a loop shows what the method itself tilts. What needs
 * both cores (two executors; every core against every core) runs one after the other, the order rotating by round.
 * Every figure is a median over rounds, all in one process.
 *
 * <p>Run: {@code java <spark JVM flags> -cp <test classpath> dev.rnn4j.spark.SparkScalingBench [training]
 * [inference] [local-cluster]}; the module's docs give the command in full. With {@code local-cluster} the two
 * executors are JVMs of their own ({@code local-cluster[2,1,2048]}), else task slots of {@code local[2]}.
 */
public final class SparkScalingBench {
    private static final int ROWS = 512;
    private static final int LENGTH = 50;
    private static final int INPUTS = 32;
    private static final int HIDDEN = 128;
    private static final int STEPS = 10;
    private static final int TRAINING_ROUNDS = 3;
    /** Inference scores the training rows this many times over: enough that a job's fixed cost is small. */
    private static final int COPIES = 128;
    private static final int INFERENCE_ROUNDS = 9;
    private static final int BATCH = 64;

    private SparkScalingBench() {
    }

    public static void main(String[] args) throws Exception {
        List<String> all = List.of(args);
        List<String> parts = all.contains("training") || all.contains("inference") || all.contains("ring") ? all
                : List.of("training", "inference");
        if (parts.contains("ring")) {
            ring();
            return;
        }
        SparkSession.Builder builder = SparkSession.builder().appName("rnn4j-scaling")
                .config("spark.ui.enabled", "false");
        if (all.contains("local-cluster")) {
            // Two executor JVMs of one core each, started through SPARK_HOME (with SPARK_SCALA_VERSION set), with
            // this JVM's classpath and the flags given in -Drnn4j.spark.executorJavaOptions.
            Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
            builder.master("local-cluster[2,1,2048]")
                    .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                    .config("spark.executor.extraJavaOptions",
                            System.getProperty("rnn4j.spark.executorJavaOptions", ""));
        } else {
            builder.master("local[2]");
        }
        SparkSession spark = builder.getOrCreate();
        spark.sparkContext().setLogLevel("WARN"); // Spark's INFO lines would break into the results
        System.out.println("master " + spark.sparkContext().master());
        Path dir = Files.createTempDirectory("rnn4j-scaling");
        List<Row> rows = rows();
        if (parts.contains("training")) {
            training(spark, dir, rows);
        }
        if (parts.contains("inference")) {
            inference(spark, dir, rows);
        }
        spark.stop();
    }

    /** Gradient floats of the training model (83,073) and its three extras: what the all-reduce sums. */
    private static final int GRADIENT_FLOATS = 83_076;
    private static final int RING_WARM_UP = 5;
    private static final int RING_ROUNDS = 40;

    /**
     * The all-reduce alone: the training model's gradient summed by N tasks of {@code local[8]} (threads of one
     * JVM, over loopback TCP), for N = 2, 4, 8: time per all-reduce and the bytes each task sends.
     */
    private static void ring() {
        SparkSession spark = SparkSession.builder().master("local[8]").appName("rnn4j-ring")
                .config("spark.ui.enabled", "false").getOrCreate();
        org.apache.spark.api.java.JavaSparkContext context =
                org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
        for (int round = 0; round < 2; round++) {
            for (int tasks : new int[] {2, 4, 8}) {
                List<Integer> slots = new ArrayList<>();
                for (int i = 0; i < tasks; i++) {
                    slots.add(i);
                }
                List<double[]> out = context.parallelize(slots, tasks).rdd().barrier().mapPartitions(
                        (scala.Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<double[]>>
                                & java.io.Serializable) it -> {
                            try (RingAllReduce ring = RingAllReduce.join(org.apache.spark.BarrierTaskContext.get())) {
                                float[] v = new float[GRADIENT_FLOATS];
                                for (int i = 0; i < RING_WARM_UP; i++) {
                                    ring.sumInPlace(v);
                                }
                                long sent = ring.bytesSent();
                                long t0 = System.nanoTime();
                                for (int i = 0; i < RING_ROUNDS; i++) {
                                    ring.sumInPlace(v);
                                }
                                double ms = (System.nanoTime() - t0) / 1e6 / RING_ROUNDS;
                                double bytes = (double) (ring.bytesSent() - sent) / RING_ROUNDS;
                                return scala.jdk.javaapi.CollectionConverters.asScala(
                                        List.of(new double[] {ms, bytes}).iterator());
                            }
                        }, false, scala.reflect.ClassTag$.MODULE$.apply(double[].class)).toJavaRDD().collect();
                double ms = out.stream().mapToDouble(d -> d[0]).max().orElseThrow();
                double bytes = out.get(0)[1];
                System.out.printf("ring round %d: %d tasks: %.2f ms per all-reduce of %d floats; %.0f bytes sent per "
                        + "task (2(N-1)/N of the vector); %.0f MB/s per task%n", round, tasks, ms, GRADIENT_FLOATS,
                        bytes, bytes / ms / 1e3);
            }
        }
        spark.stop();
    }

    private static List<Row> rows() {
        Random r = new Random(1);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            Float[] x = new Float[LENGTH * INPUTS];
            for (int k = 0; k < x.length; k++) {
                x[k] = r.nextFloat();
            }
            rows.add(RowFactory.create(x, new Float[] {r.nextFloat()}));
        }
        return rows;
    }

    /**
     * The rows through a Parquet file, as a real job's come (a Dataset made from a local list carries the rows in its
     * plan, and every query over it hashes them all on the driver), repeated {@code copies} times by a join on the
     * executors rather than shipped from the driver that many times.
     */
    private static Dataset<Row> fromParquet(SparkSession spark, List<Row> rows, StructType schema, Path file,
                                            int partitions, int copies) {
        spark.createDataFrame(rows, schema).repartition(partitions).write().parquet(file.toString());
        Dataset<Row> read = spark.read().parquet(file.toString());
        if (copies > 1) {
            read = read.crossJoin(spark.range(copies)).select(read.col("*"));
        }
        Dataset<Row> data = read.repartition(partitions).cache();
        data.count();
        return data;
    }

    private static void training(SparkSession spark, Path dir, List<Row> rows) {
        DataParallelTrainer.Recipe recipe = new DataParallelTrainer.Recipe("LSTM", INPUTS, HIDDEN, 1, 1, 7, "sgd",
                0.01f, STEPS, "cpu", 1);
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("inputs", DataTypes.createArrayType(DataTypes.FloatType), false),
                DataTypes.createStructField("target", DataTypes.createArrayType(DataTypes.FloatType), false)));
        List<Dataset<Row>> data = List.of(fromParquet(spark, rows, schema, dir.resolve("train1.parquet"), 1, 1),
                fromParquet(spark, rows, schema, dir.resolve("train2.parquet"), 2, 1));
        DataParallelTrainer.Recipe warm = new DataParallelTrainer.Recipe("LSTM", INPUTS, HIDDEN, 1, 1, 7, "sgd",
                0.01f, 2, "cpu", 1);
        for (Dataset<Row> d : data) {
            DataParallelTrainer.train(d, warm);
            DataParallelTrainer.trainByTreeAggregate(d, warm);
        }
        try (Backend b = Backends.open("cpu", BackendOptions.defaults().withThreads(1));
             SequenceModel m = new SequenceModel(b, recipe.config())) {
            SequenceModel.Batch all = wholeBatch(rows);
            m.computeGradients(all);
            for (int round = 0; round < TRAINING_ROUNDS; round++) {
                long t0 = System.nanoTime();
                for (int s = 0; s < STEPS; s++) {
                    m.computeGradients(all);
                }
                System.out.printf("training round %d: one JVM, one thread, full-batch gradient of %d rows: %.1f "
                        + "ms/step; gradient %d floats%n", round, ROWS, (System.nanoTime() - t0) / 1e6 / STEPS,
                        m.trainableTensors().stream().mapToLong(t -> t.size()).sum());
                for (int turn = 0; turn < 4; turn++) {
                    int which = (turn + round) % 4; // rotate the order, so no form always runs first
                    Dataset<Row> d = data.get(which / 2);
                    boolean barrier = which % 2 == 0;
                    DataParallelTrainer.Trained t = barrier ? DataParallelTrainer.train(d, recipe)
                            : DataParallelTrainer.trainByTreeAggregate(d, recipe);
                    // compute is the shards' mean; the exchange includes waiting for the slowest shard
                    System.out.printf("training round %d: %-13s %d executor(s): %.1f ms/step: compute %.1f, "
                            + "exchange %.1f; %d bytes sent per task per step%n", round,
                            barrier ? "barrier" : "treeAggregate", which / 2 + 1, t.millisPerStep(),
                            t.computeMillisPerStep(), t.exchangeMillisPerStep(), t.bytesSentPerStep());
                }
            }
        }
    }

    /** Every row (all of length LENGTH) as one batch, sequence-major. */
    private static SequenceModel.Batch wholeBatch(List<Row> rows) {
        int n = rows.size();
        float[] x = new float[LENGTH * n * INPUTS];
        float[] y = new float[n];
        for (int r = 0; r < n; r++) {
            Float[] s = (Float[]) rows.get(r).get(0);
            for (int t = 0; t < LENGTH; t++) {
                for (int i = 0; i < INPUTS; i++) {
                    x[(t * n + r) * INPUTS + i] = s[t * INPUTS + i];
                }
            }
            y[r] = ((Float[]) rows.get(r).get(1))[0];
        }
        return new SequenceModel.Batch(LENGTH, n, null, x, null, null, y);
    }

    private static void inference(SparkSession spark, Path dir, List<Row> rows) throws Exception {
        RnnSpec spec = RnnSpec.builder(CellType.LSTM).inputSize(INPUTS).hiddenSize(HIDDEN).layers(1).build();
        RnnParameters weights = RnnParameters.uniform(spec, 3);
        Path model = dir.resolve("model.safetensors");
        RnnModelFile.save(model, weights, false);
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("sequence", DataTypes.createArrayType(DataTypes.FloatType), false)));
        List<Row> distinct = new ArrayList<>();
        for (Row row : rows) {
            distinct.add(RowFactory.create(row.get(0)));
        }
        List<Dataset<Row>> data = List.of(
                fromParquet(spark, distinct, schema, dir.resolve("score1.parquet"), 1, COPIES),
                fromParquet(spark, distinct, schema, dir.resolve("score2.parquet"), 2, COPIES));
        Dataset<Row> oneBatch = fromParquet(spark, distinct.subList(0, BATCH), schema, dir.resolve("batch.parquet"), 1,
                1);
        int total = ROWS * COPIES;
        RecurrentTransformer oneThread = new RecurrentTransformer().setModelPath(model.toString())
                .setBatchSize(BATCH).setThreads(1);
        RecurrentTransformer allCores = new RecurrentTransformer().setModelPath(model.toString())
                .setBatchSize(BATCH);
        for (Dataset<Row> d : data) {
            oneThread.transform(d).count();
        }
        allCores.transform(data.get(0)).count();
        float[][] sequences = new float[total][];
        for (int i = 0; i < sequences.length; i++) {
            if (i < ROWS) {
                Float[] boxed = (Float[]) distinct.get(i).get(0);
                sequences[i] = new float[boxed.length];
                for (int k = 0; k < boxed.length; k++) {
                    sequences[i][k] = boxed[k];
                }
            } else {
                sequences[i] = sequences[i % ROWS]; // the rows repeat, as in the Dataset
            }
        }
        try (Backend one = Backends.open("cpu", BackendOptions.defaults().withThreads(1));
             Backend other = Backends.open("cpu", BackendOptions.defaults().withThreads(1));
             Backend all = Backends.open("cpu");
             RecurrentLayer single = RecurrentLayer.create(one, spec, weights);
             RecurrentLayer side = RecurrentLayer.create(other, spec, weights);
             RecurrentLayer every = RecurrentLayer.create(all, spec, weights)) {
            boolean local = spark.sparkContext().isLocal();
            InMemoryScorer singleJvm = new InMemoryScorer(single, spec, sequences);
            InMemoryScorer sideJvm = new InMemoryScorer(side, spec, sequences);
            InMemoryScorer everyJvm = new InMemoryScorer(every, spec, sequences);
            List<InferenceRound> rounds = new ArrayList<>();
            for (int round = 0; round < INFERENCE_ROUNDS; round++) {
                // Side by side: the executor's task on one core and one JVM's loop on the other, at the same time,
                // so both see the same minute of this shared host.
                SideBySide gathered = sideBySide(() -> oneThread.transform(data.get(0)).count(), local, sideJvm,
                        false);
                SideBySide oneBuffer = sideBySide(() -> oneThread.transform(data.get(0)).count(), local, sideJvm,
                        true);
                // the method's own bias: one JVM's loop beside the same loop
                SideBySide same = sideBySide(singleJvm::scoreAll, true, sideJvm, false);
                // One after the other, rotating the order: what needs both cores.
                double[] rate = new double[4];
                for (int turn = 0; turn < rate.length; turn++) {
                    int which = (turn + round) % rate.length;
                    long t0 = System.nanoTime();
                    long n = switch (which) {
                        case 0 -> oneThread.transform(data.get(0)).count();
                        case 1 -> oneThread.transform(data.get(1)).count();
                        case 2 -> allCores.transform(data.get(0)).count();
                        default -> everyJvm.scoreAll();
                    };
                    rate[which] = n / ((System.nanoTime() - t0) / 1e9);
                }
                // what every job costs whatever its size: a job of one batch
                long f0 = System.nanoTime();
                oneThread.transform(oneBatch).count();
                double fixedMs = (System.nanoTime() - f0) / 1e6;
                InferenceRound r = new InferenceRound(gathered.ratio(), gathered.cpuRatio(), oneBuffer.ratio(),
                        same.ratio(), rate[1] / rate[0], rate[2] / rate[3], fixedMs);
                rounds.add(r);
                System.out.printf("inference round %d (batch %d, T %d, %d rows):%n", round, BATCH, LENGTH, total);
                System.out.printf("  side by side, one thread each: 1 executor %.0f rows/s, one JVM %.0f -> per "
                        + "executor %.2fx%s%n", gathered.jobRate(), gathered.loopRate(), r.perExecutor(), !local ? ""
                        : String.format("; per CPU second %.0f, %.0f -> %.2fx", gathered.jobPerCpuSecond(),
                                gathered.loopPerCpuSecond(), r.perCpuSecond()));
                System.out.printf("  side by side, against the forward alone on one buffer: %.0f, %.0f -> %.2fx; one "
                        + "JVM beside one JVM %.2fx%n", oneBuffer.jobRate(), oneBuffer.loopRate(), r.oneBuffer(),
                        r.loopBesideLoop());
                System.out.printf("  one after the other: 1 executor %.0f, 2 executors %.0f rows/s -> 1->2 %.2fx; "
                        + "every core: 1 executor %.0f, one JVM %.0f -> %.2fx; a job of one batch %.0f ms%n", rate[0],
                        rate[1], r.oneToTwo(), rate[2], rate[3], r.everyCore(), fixedMs);
            }
            System.out.printf("inference medians of %d rounds: per executor %.2fx of one JVM (%s%.2fx of the "
                            + "forward alone on one buffer; one JVM beside one JVM %.2fx), 1->2 executors %.2fx, every "
                            + "core %.2fx of one JVM; a job of one batch %.0f ms%n", INFERENCE_ROUNDS,
                    median(rounds, InferenceRound::perExecutor),
                    local ? String.format("per CPU second %.2fx; ", median(rounds, InferenceRound::perCpuSecond)) : "",
                    median(rounds, InferenceRound::oneBuffer), median(rounds, InferenceRound::loopBesideLoop),
                    median(rounds, InferenceRound::oneToTwo), median(rounds, InferenceRound::everyCore),
                    median(rounds, InferenceRound::fixedMs));
        }
    }

    /** One round's ratios (executor against one JVM, unless named otherwise) and the fixed cost of a job. */
    private record InferenceRound(double perExecutor, double perCpuSecond, double oneBuffer, double loopBesideLoop,
                                  double oneToTwo, double everyCore, double fixedMs) {
    }

    /** A job and one JVM's loop over the same interval: rows/s of each, and rows per CPU second of each. */
    private record SideBySide(double jobRate, double loopRate, double jobPerCpuSecond, double loopPerCpuSecond) {
        double ratio() {
            return jobRate / loopRate;
        }

        double cpuRatio() {
            return jobPerCpuSecond / loopPerCpuSecond;
        }
    }

    /**
     * Rows/s of one Spark job over {@code data} and, over exactly the same interval, of one JVM's loop on another
     * thread: {@link InMemoryScorer#scoreAll} batch after batch, or with {@code oneBuffer} the forward alone.
     */
    private static SideBySide sideBySide(java.util.function.LongSupplier job, boolean inProcess, InMemoryScorer jvm,
                                         boolean oneBuffer) throws InterruptedException {
        java.util.concurrent.atomic.AtomicLong scored = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread loop = new Thread(() -> {
            for (int from = 0; !stop.get(); from = (from + BATCH) % jvm.sequences.length) {
                scored.addAndGet(oneBuffer ? jvm.forwardOnOneBuffer() : jvm.scoreBatch(from));
            }
        }, "one-jvm-loop");
        loop.start();
        while (scored.get() == 0) {
            Thread.onSpinWait(); // the loop is running before the job starts
        }
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean process = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long jvmRows = scored.get();
        long loopCpu = threads.getThreadCpuTime(loop.getId());
        long processCpu = process.getProcessCpuTime();
        long t0 = System.nanoTime();
        long n = job.getAsLong();
        double seconds = (System.nanoTime() - t0) / 1e9;
        jvmRows = scored.get() - jvmRows;
        loopCpu = threads.getThreadCpuTime(loop.getId()) - loopCpu;
        processCpu = process.getProcessCpuTime() - processCpu;
        stop.set(true);
        loop.join();
        // the job's CPU time is the whole process's but the loop's: its task, the driver, and the collector's share
        // (in local mode, where the job's tasks run in this process)
        double jobCpuSeconds = inProcess ? (processCpu - loopCpu) / 1e9 : Double.NaN;
        return new SideBySide(n / seconds, jvmRows / seconds, n / jobCpuSeconds, jvmRows / (loopCpu / 1e9));
    }

    private static double median(List<InferenceRound> rounds, java.util.function.ToDoubleFunction<InferenceRound> of) {
        double[] v = rounds.stream().mapToDouble(of).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /**
     * What a single-JVM program does with sequences it holds: each batch gathered from them into the step-major
     * input, run, and each sequence's final state copied out.
     */
    private static final class InMemoryScorer {
        private final RecurrentLayer layer;
        private final float[][] sequences;
        private final float[] x = new float[LENGTH * BATCH * INPUTS];
        private final FloatBuffer output;
        private final FloatBuffer hidden;
        private final float[][] results;

        InMemoryScorer(RecurrentLayer layer, RnnSpec spec, float[][] sequences) {
            this.layer = layer;
            this.sequences = sequences;
            this.results = new float[sequences.length][];
            this.output = FloatBuffer.allocate(LENGTH * BATCH * spec.outputSize());
            this.hidden = FloatBuffer.allocate(spec.hiddenStateFloats(BATCH));
        }

        long scoreAll() {
            long rows = 0;
            for (int from = 0; from < sequences.length; from += BATCH) {
                rows += scoreBatch(from);
            }
            return rows;
        }

        /** Scores the batch from {@code from}; its number of rows. */
        int scoreBatch(int from) {
            int batch = Math.min(BATCH, sequences.length - from);
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < LENGTH; t++) {
                    System.arraycopy(sequences[from + b], t * INPUTS, x, (t * batch + b) * INPUTS, INPUTS);
                }
            }
            layer.forward(FloatBuffer.wrap(x), LENGTH, batch, null, output.clear(), hidden.clear(), null);
            for (int b = 0; b < batch; b++) {
                results[from + b] = java.util.Arrays.copyOfRange(hidden.array(), b * HIDDEN, (b + 1) * HIDDEN);
            }
            return batch;
        }

        /** The layer's forward alone on the one input buffer: the ceiling, with no data moved in or out. */
        int forwardOnOneBuffer() {
            layer.forward(FloatBuffer.wrap(x), LENGTH, BATCH, null, output.clear(), hidden.clear(), null);
            return BATCH;
        }
    }
}
