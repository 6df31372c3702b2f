package dev.rnn4j.spark;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;
import dev.rnn4j.train.TrainableTensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

/**
 * Synchronous data-parallel training of a many-to-one regression: an RNN stack with a linear head on each sequence's
 * last step, squared error, SGD or Adam on the full batch every step. Each partition of the rows is a shard; every
 * step each shard's gradient is computed on a replica of the model, the gradients are summed weighted by shard size,
 * and one step is taken with the sum, so the result is one model trained on all the rows at once.
 *
 * <p>Two ways to coordinate the replicas, with the same result within float rounding:
 * <ul>
 *   <li>{@link #train}: Spark's barrier mode. One task per partition, all running at once for the whole run, each
 *       holding its replica; every step they sum their gradients among themselves by a ring all-reduce
 *       ({@link RingAllReduce}), and each applies the same sum. The driver sees nothing until the end.</li>
 *   <li>{@link #trainByTreeAggregate}: one Spark job per step. The driver broadcasts the weights, each task loads
 *       them into its executor's replica and returns its shard's weighted gradient, {@code treeReduce} sums them,
 *       and the driver's model takes the step.</li>
 * </ul>
 *
 * <p>Rows: column {@code inputs} (array of floats or doubles, {@code [T, I]} step-major, T the row's own length) and
 * column {@code target} (array, {@code [outputs]}).
 */
public final class DataParallelTrainer {
    /** The column of input sequences the rows must have. */
    public static final String INPUTS = "inputs";
    /** The column of targets the rows must have. */
    public static final String TARGET = "target";

    /** Called before each step of each shard; tests use it to fail a task mid-run. Only for local mode. */
    static volatile StepHook beforeStep = (partition, attempt, step) -> {
    };

    /** See {@link #beforeStep}. */
    interface StepHook {
        void run(int partition, int attempt, int step);
    }

    private DataParallelTrainer() {
    }

    /**
     * What to train.
     *
     * @param cell         LSTM, GRU, RNN_TANH or RNN_RELU
     * @param inputSize    I
     * @param hiddenSize   H
     * @param layers       stacked layers
     * @param outputs      the head's outputs, the target's length
     * @param seed         the initialisation seed: every replica starts from the same weights
     * @param optimizer    {@code sgd} (plain) or {@code adam}; every replica keeps the same optimizer state, as it
     *                     sees the same summed gradients
     * @param learningRate the optimizer's
     * @param steps        optimizer steps in all (a resumed run takes the rest)
     * @param backend      what each task opens: {@code cpu}, {@code cuda}, ...
     * @param threads      the CPU backend's threads per task, matching the cores Spark gives a task; 0 for the
     *                     backend's default (every core of the machine)
     */
    public record Recipe(String cell, int inputSize, int hiddenSize, int layers, int outputs, long seed,
                         String optimizer, float learningRate, int steps, String backend, int threads)
            implements Serializable {
        public Recipe {
            if (!List.of("sgd", "adam").contains(optimizer)) {
                throw new IllegalArgumentException("optimizer must be sgd or adam, got " + optimizer);
            }
            if (steps < 1 || threads < 0 || !(learningRate > 0)) {
                throw new IllegalArgumentException("steps must be >= 1 (" + steps + "), threads >= 0 (" + threads
                        + ") and the learning rate > 0 (" + learningRate + ")");
            }
            config(cell, inputSize, hiddenSize, layers, outputs, seed); // refuses a bad shape here, on the driver
        }

        /** The optimizer this recipe names, on {@code backend}. */
        Optimizer newOptimizer(Backend backend) {
            return optimizer.equals("adam") ? Optimizer.adam(backend, learningRate, 0f, false)
                    : Optimizer.sgd(backend, learningRate, 0f, 0f);
        }

        SequenceModel.Config config() {
            return config(cell, inputSize, hiddenSize, layers, outputs, seed);
        }

        private static SequenceModel.Config config(String cell, int inputSize, int hiddenSize, int layers, int outputs,
                                                   long seed) {
            RnnSpec spec = RnnSpec.builder(CellType.parse(cell)).inputSize(inputSize).hiddenSize(hiddenSize)
                    .layers(layers).build();
            return new SequenceModel.Config(0, spec, 0f, outputs, SequenceModel.Head.LAST_STEP,
                    SequenceModel.Loss.SQUARED_ERROR, seed);
        }
    }

    /**
     * Checkpoints in a directory of any Hadoop file system, every {@code every} steps and after the last. A run
     * given a directory that holds checkpoints of the same recipe resumes from the newest.
     */
    public record Checkpoints(String directory, int every) implements Serializable {
        public Checkpoints {
            if (directory == null || directory.isEmpty() || every < 1) {
                throw new IllegalArgumentException("checkpoints need a directory and a step count >= 1; got '"
                        + directory + "' every " + every);
            }
        }
    }

    /**
     * The outcome.
     *
     * @param tensors   the trained tensors by name ({@code rnn.weight_ih_l0}, {@code head.weight}, ...)
     * @param firstStep the step this run started from: 0, or the checkpoint's it resumed from
     * @param losses    the mean loss over all the rows at each step this run took, before that step's update
     * @param rows      the rows trained on
     * @param bytesSentPerStep what one task sent each step to sum the gradients (barrier mode: measured on the
     *                  ring; treeAggregate: its gradient, up the tree, and the weights it got are on top)
     * @param millisPerStep    wall time per step, where the steps are driven (the first task; the driver)
     * @param computeMillisPerStep a shard's forward and backward, per step, averaged over the shards
     * @param exchangeMillisPerStep summing the gradients, per step, waiting for the slowest shard included: in
     *                  barrier mode the first task's time in the all-reduce; by treeAggregate the step's Spark job
     *                  (broadcast, scheduling, tree reduction) less the shards' mean compute time
     */
    public record Trained(Map<String, float[]> tensors, int firstStep, double[] losses, long rows,
                          long bytesSentPerStep, double millisPerStep, double computeMillisPerStep,
                          double exchangeMillisPerStep) {
        /**
         * A model of {@code recipe} on {@code backend} holding these tensors, to predict with or to save (its
         * {@code recurrentWeights()} are what {@code RnnModelFile.save} and {@link RecurrentTransformer} take).
         *
         * @throws IllegalArgumentException when the tensors are not the recipe's
         */
        public SequenceModel load(Backend backend, Recipe recipe) {
            SequenceModel model = new SequenceModel(backend, recipe.config());
            try {
                for (TrainableTensor t : model.trainableTensors()) {
                    float[] v = tensors.get(t.name());
                    if (v == null || v.length != t.size()) {
                        throw new IllegalArgumentException("tensor " + t.name() + " of the recipe is "
                                + (v == null ? "missing" : v.length + " values, not " + t.size()));
                    }
                    backend.upload(v, 0, t.value(), 0, v.length);
                }
                return model;
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        }
    }

    /**
     * What each shard contributes every step beyond its gradient, summed with it: its share of the loss, its
     * compute time, and a count of one.
     */
    private static final int EXTRAS = 3;
    private static final int LOSS = 0;
    private static final int COMPUTE_SECONDS = 1;
    private static final int SHARDS = 2;

    /** Writes the shard's extras after its gradient in {@code v}. */
    private static void putExtras(float[] v, double lossShare, long computeNanos) {
        int at = v.length - EXTRAS;
        v[at + LOSS] = (float) lossShare;
        v[at + COMPUTE_SECONDS] = (float) (computeNanos / 1e9);
        v[at + SHARDS] = 1;
    }

    private static double extra(float[] v, int which) {
        return v[v.length - EXTRAS + which];
    }

    /** {@link #train(Dataset, Recipe, Checkpoints)} without checkpoints. */
    public static Trained train(Dataset<Row> rows, Recipe recipe) {
        return train(rows, recipe, null);
    }

    /**
     * Trains in barrier mode: one task per partition, so the cluster must run that many tasks at once. If a task
     * fails, Spark retries the whole stage; every replica starts again from the newest checkpoint (or the seed), so
     * a retry repeats steps but never mixes replicas from different steps.
     *
     * @param checkpoints where to checkpoint, or null for nowhere
     */
    public static Trained train(Dataset<Row> rows, Recipe recipe, Checkpoints checkpoints) {
        TrainingCheckpoints store = store(rows, checkpoints, recipe);
        // Packed in an ordinary stage first: a bad row fails there, once, with its reason, instead of failing every
        // attempt of the barrier stage; and a retried barrier stage starts from the packed shards.
        PackedShards packed = shards(rows, recipe);
        long total = packed.rows; // the task captures the count, not the record holding an RDD
        try {
            Function1<scala.collection.Iterator<Shard>, scala.collection.Iterator<ReplicaResult>> task =
                    (Function1<scala.collection.Iterator<Shard>, scala.collection.Iterator<ReplicaResult>>
                            & Serializable) partition -> CollectionConverters.asScala(replica(partition.next(),
                            total, recipe, store));
            // The shuffle after the barrier stage makes it a shuffle-map stage, which Spark retries as a whole when
            // a task fails; a failed barrier result stage is not retried.
            List<ReplicaResult> out = packed.rdd.rdd().barrier().mapPartitions(task, false,
                    ClassTag$.MODULE$.apply(ReplicaResult.class)).toJavaRDD().coalesce(1, true).collect();
            ReplicaResult first = out.get(0);
            return new Trained(first.tensors, first.firstStep, first.losses, first.rows, first.bytesSentPerStep,
                    first.millisPerStep, first.computeMillisPerStep, first.exchangeMillisPerStep);
        } finally {
            packed.rdd.unpersist();
        }
    }

    /** The packed shards, kept in memory, and the rows in all of them. */
    private record PackedShards(JavaRDD<Shard> rdd, long rows) {
    }

    /** Each partition's rows packed into one shard, kept in memory; they are counted here, so bad rows fail here. */
    private static PackedShards shards(Dataset<Row> rows, Recipe recipe) {
        InternalRows in = InternalRows.of(rows);
        SequenceColumn inputs = in.inputs;
        SequenceColumn target = in.target;
        JavaRDD<Shard> shards = in.rdd.toJavaRDD().mapPartitions(partition -> List.of(Shard.pack(partition, inputs,
                target, recipe.inputSize(), recipe.outputs())).iterator()).persist(StorageLevel.MEMORY_ONLY());
        long total = shards.map(Shard::rows).reduce(Integer::sum);
        if (total == 0) {
            shards.unpersist();
            throw new IllegalArgumentException("no rows to train on");
        }
        return new PackedShards(shards, total);
    }


    /**
     * Trains coordinated from the driver: one Spark job per step. The driver's model and optimizer are the only
     * state, so a failed task is simply run again: its gradient is a function of the broadcast weights and its
     * shard.
     *
     * @param checkpoints where the driver checkpoints, or null for nowhere
     */
    public static Trained trainByTreeAggregate(Dataset<Row> rows, Recipe recipe, Checkpoints checkpoints) {
        TrainingCheckpoints store = store(rows, checkpoints, recipe);
        PackedShards packed = shards(rows, recipe);
        JavaRDD<Shard> shards = packed.rdd;
        long total = packed.rows;
        JavaSparkContext context = JavaSparkContext.fromSparkContext(rows.sparkSession().sparkContext());
        try (Backend driverBackend = ExecutorLayers.open(recipe.backend(), recipe.threads());
             SequenceModel model = new SequenceModel(driverBackend, recipe.config());
             Optimizer sgd = recipe.newOptimizer(model.backend())) {
            Backend b = model.backend();
            List<TrainableTensor> tensors = model.trainableTensors();
            int first = store == null ? 0 : store.restoreNewest(model, sgd);
            List<Double> losses = new ArrayList<>();
            long gradientBytes = 0;
            double computeSeconds = 0;
            double jobSeconds = 0;
            long started = System.nanoTime();
            for (int step = first; step < recipe.steps(); step++) {
                long jobStart = System.nanoTime();
                Broadcast<float[]> weights = context.broadcast(TensorVector.download(b, tensors,
                        TrainableTensor::value, 1f, 0));
                int at = step;
                float[] sum = shards.map(shard -> shardGradient(shard, recipe, weights.value(), total, at))
                        .treeReduce(TensorVector::add);
                weights.destroy();
                jobSeconds += (System.nanoTime() - jobStart) / 1e9;
                gradientBytes = (long) Float.BYTES * sum.length;
                TensorVector.upload(b, tensors, TrainableTensor::gradient, sum);
                losses.add(extra(sum, LOSS));
                computeSeconds += extra(sum, COMPUTE_SECONDS) / extra(sum, SHARDS);
                model.applyGradients(sgd, 0);
                if (store != null && store.dueAfter(step + 1, recipe.steps())) {
                    store.save(model, sgd, step + 1);
                }
            }
            Map<String, float[]> trained = TensorVector.valuesByName(b, tensors);
            int steps = Math.max(1, recipe.steps() - first);
            return new Trained(trained, first, losses.stream().mapToDouble(Double::doubleValue).toArray(), total,
                    gradientBytes, (System.nanoTime() - started) / 1e6 / steps, computeSeconds * 1e3 / steps,
                    (jobSeconds - computeSeconds) * 1e3 / steps);
        } finally {
            shards.unpersist();
        }
    }

    /** {@link #trainByTreeAggregate(Dataset, Recipe, Checkpoints)} without checkpoints. */
    public static Trained trainByTreeAggregate(Dataset<Row> rows, Recipe recipe) {
        return trainByTreeAggregate(rows, recipe, null);
    }

    /**
     * One shard's gradient at {@code weights}, weighted by its share of the rows, with its share of the loss as one
     * more element at the end; zeros for an empty shard.
     */
    private static float[] shardGradient(Shard shard, Recipe recipe, float[] weights, long total, int step) {
        TaskContext task = TaskContext.get();
        beforeStep.run(task.partitionId(), task.attemptNumber(), step);
        SequenceModel.Batch batch = shard.batch();
        if (batch == null) {
            return new float[weights.length + EXTRAS];
        }
        SequenceModel model = ExecutorLayers.borrowReplica(recipe);
        try {
            List<TrainableTensor> tensors = model.trainableTensors();
            TensorVector.upload(model.backend(), tensors, TrainableTensor::value, weights);
            float share = (float) ((double) shard.rows() / total);
            long t0 = System.nanoTime();
            double loss = model.computeGradients(batch);
            float[] g = TensorVector.download(model.backend(), tensors, TrainableTensor::gradient, share, EXTRAS);
            putExtras(g, loss * share, System.nanoTime() - t0);
            return g;
        } finally {
            ExecutorLayers.giveBack(recipe, model);
        }
    }

    /** What the first replica returns to the driver. */
    record ReplicaResult(Map<String, float[]> tensors, int firstStep, double[] losses, long rows,
                         long bytesSentPerStep, double millisPerStep, double computeMillisPerStep,
                         double exchangeMillisPerStep)
            implements Serializable {
    }

    /** One barrier task: its shard, its replica, every step's all-reduce; the first returns the trained tensors. */
    private static Iterator<ReplicaResult> replica(Shard shard, long total, Recipe recipe,
                                                   TrainingCheckpoints store) {
        BarrierTaskContext context = BarrierTaskContext.get();
        float share = (float) ((double) shard.rows() / total);
        SequenceModel.Batch batch = shard.batch();
        try (RingAllReduce ring = RingAllReduce.join(context);
             Backend own = ExecutorLayers.open(recipe.backend(), recipe.threads());
             SequenceModel model = new SequenceModel(own, recipe.config());
             Optimizer sgd = recipe.newOptimizer(model.backend())) {
            Backend b = model.backend();
            List<TrainableTensor> tensors = model.trainableTensors();
            int first = store == null ? 0 : store.restoreNewest(model, sgd);
            double[] losses = new double[recipe.steps() - first];
            float[] vector;
            long sentBefore = 0;
            double computeSeconds = 0;
            long exchangeNanos = 0;
            long started = System.nanoTime();
            for (int step = first; step < recipe.steps(); step++) {
                beforeStep.run(context.partitionId(), context.attemptNumber(), step);
                if (batch != null) {
                    long t0 = System.nanoTime();
                    double loss = model.computeGradients(batch);
                    vector = TensorVector.download(b, tensors, TrainableTensor::gradient, share, EXTRAS);
                    putExtras(vector, loss * share, System.nanoTime() - t0);
                } else {
                    model.zeroGradients();
                    vector = TensorVector.download(b, tensors, TrainableTensor::gradient, 0f, EXTRAS);
                }
                sentBefore = ring.bytesSent();
                long exchangeStart = System.nanoTime();
                ring.sumInPlace(vector);
                exchangeNanos += System.nanoTime() - exchangeStart;
                losses[step - first] = extra(vector, LOSS);
                computeSeconds += extra(vector, COMPUTE_SECONDS) / extra(vector, SHARDS);
                TensorVector.upload(b, tensors, TrainableTensor::gradient, vector);
                model.applyGradients(sgd, 0);
                if (store != null && context.partitionId() == 0 && store.dueAfter(step + 1, recipe.steps())) {
                    store.save(model, sgd, step + 1);
                }
            }
            if (context.partitionId() != 0) {
                return List.<ReplicaResult>of().iterator();
            }
            int steps = Math.max(1, recipe.steps() - first);
            return List.of(new ReplicaResult(TensorVector.valuesByName(b, tensors), first, losses, total,
                    ring.bytesSent() - sentBefore, (System.nanoTime() - started) / 1e6 / steps,
                    computeSeconds * 1e3 / steps,
                    exchangeNanos / 1e6 / steps)).iterator();
        }
    }

    /**
     * The checkpoint store, or null for none; its newest checkpoint, if any, is tried on the driver first, so one of
     * another recipe is refused here, in one message, rather than in every task.
     */
    private static TrainingCheckpoints store(Dataset<Row> rows, Checkpoints checkpoints, Recipe recipe) {
        if (checkpoints == null) {
            return null;
        }
        TrainingCheckpoints store = new TrainingCheckpoints(checkpoints.directory(), checkpoints.every(),
                rows.sparkSession().sparkContext().hadoopConfiguration());
        try (Backend b = Backends.open("reference"); SequenceModel model = new SequenceModel(b, recipe.config());
             Optimizer optimizer = recipe.newOptimizer(b)) {
            store.restoreNewest(model, optimizer);
        } catch (java.io.UncheckedIOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return store;
    }

    /** The rows' two columns as Spark's internal rows, read without boxing; the columns checked on the driver. */
    private record InternalRows(org.apache.spark.rdd.RDD<InternalRow> rdd, SequenceColumn inputs,
                                SequenceColumn target) {
        static InternalRows of(Dataset<Row> rows) {
            SequenceColumn.of(rows.schema(), INPUTS, "inputs column"); // named in the message before select fails
            SequenceColumn.of(rows.schema(), TARGET, "target column");
            Dataset<Row> two = rows.select(INPUTS, TARGET);
            StructType schema = two.schema();
            SequenceColumn inputs = SequenceColumn.of(schema, INPUTS, "inputs column");
            SequenceColumn target = SequenceColumn.of(schema, TARGET, "target column");
            if (!(two instanceof org.apache.spark.sql.classic.Dataset<Row> classic)) {
                throw new UnsupportedOperationException("training runs in a classic Spark session, where the "
                        + "replicas run on the executors; this Dataset is from Spark Connect");
            }
            return new InternalRows(classic.queryExecution().toRdd(), inputs, target);
        }
    }
}
