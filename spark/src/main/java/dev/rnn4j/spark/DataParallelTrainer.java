package dev.rnn4j.spark;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.CellType;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;
import dev.rnn4j.train.TrainableTensor;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

/**
 * Synchronous data-parallel training in Spark's barrier mode: one task per partition, all running at once, each
 * holding a replica of the model and its partition of the rows as its shard. Every step, each task computes the
 * gradient of its shard, the tasks exchange them ({@code BarrierTaskContext.allGather}), and each applies the same
 * average, weighted by shard size, so the replicas stay equal to each other and to one model trained on all the rows
 * at once.
 *
 * <p>Rows: {@code inputs} (array of floats, {@code [T, I]} step-major, T the row's own length) and {@code target}
 * (array of floats, {@code [outputs]}): a many-to-one regression, the model's last step against the target with
 * squared error.
 */
public final class DataParallelTrainer {
    private DataParallelTrainer() {
    }

    /**
     * What to train: an LSTM or GRU stack with a linear head on its last step, trained with SGD, full shard per step.
     *
     * @param cell         LSTM, GRU, RNN_TANH or RNN_RELU
     * @param inputSize    I
     * @param hiddenSize   H
     * @param layers       stacked layers
     * @param outputs      the head's outputs, the target's length
     * @param seed         the initialisation seed: every replica starts from the same weights
     * @param learningRate SGD's
     * @param steps        optimizer steps
     * @param backend      what each task opens
     */
    public record Recipe(String cell, int inputSize, int hiddenSize, int layers, int outputs, long seed,
                         float learningRate, int steps, String backend) implements Serializable {
        SequenceModel.Config config() {
            RnnSpec spec = RnnSpec.builder(CellType.parse(cell)).inputSize(inputSize).hiddenSize(hiddenSize)
                    .layers(layers).build();
            return new SequenceModel.Config(0, spec, 0f, outputs, SequenceModel.Head.LAST_STEP,
                    SequenceModel.Loss.SQUARED_ERROR, seed);
        }
    }

    /** The trained tensors by name ({@code rnn.weight_ih_l0}, {@code head.weight}, ...), from the first replica. */
    public static Map<String, float[]> train(Dataset<Row> rows, Recipe recipe) {
        JavaRDD<Row> data = rows.select("inputs", "target").javaRDD();
        Function1<scala.collection.Iterator<Row>, scala.collection.Iterator<float[]>> task =
                (Function1<scala.collection.Iterator<Row>, scala.collection.Iterator<float[]>> & Serializable)
                        shard -> CollectionConverters.asScala(replica(CollectionConverters.asJava(shard), recipe));
        List<float[]> out = data.rdd().barrier().mapPartitions(task, false, ClassTag$.MODULE$.apply(float[].class))
                .toJavaRDD().collect();
        Map<String, float[]> trained = new LinkedHashMap<>();
        try (Backend b = Backends.open("reference"); SequenceModel names = new SequenceModel(b, recipe.config())) {
            int i = 0;
            for (TrainableTensor t : names.trainableTensors()) {
                trained.put(t.name(), out.get(i++));
            }
        }
        return trained;
    }

    /**
     * The same training coordinated from the driver instead: every step the driver broadcasts the weights, each
     * partition's task loads them into its executor's replica and returns its shard's gradient scaled by the shard's
     * size, {@code treeReduce} sums them, and the driver's model takes the step. No barrier; the weights travel out
     * and the gradients back every step.
     */
    public static Map<String, float[]> trainByTreeAggregate(Dataset<Row> rows, Recipe recipe) {
        JavaRDD<Row> data = rows.select("inputs", "target").javaRDD().cache();
        long total = data.count();
        JavaSparkContext context = JavaSparkContext.fromSparkContext(rows.sparkSession().sparkContext());
        Map<String, float[]> trained = new LinkedHashMap<>();
        try (Backend b = Backends.open(recipe.backend());
             SequenceModel model = new SequenceModel(b, recipe.config());
             Optimizer sgd = Optimizer.sgd(b, recipe.learningRate(), 0f, 0f)) {
            List<TrainableTensor> tensors = model.trainableTensors();
            for (int step = 0; step < recipe.steps(); step++) {
                Broadcast<float[]> weights = context.broadcast(TensorVector.download(b, tensors,
                        TrainableTensor::value, 1f));
                float[] sum = data.mapPartitions((FlatMapFunction<Iterator<Row>, float[]>) shard ->
                        shardGradient(shard, recipe, weights.value())).treeReduce(TensorVector::add);
                weights.destroy();
                for (int i = 0; i < sum.length; i++) {
                    sum[i] /= total;
                }
                TensorVector.upload(b, tensors, TrainableTensor::gradient, sum);
                model.applyGradients(sgd, 0);
            }
            for (TrainableTensor t : tensors) {
                float[] v = new float[(int) t.size()];
                b.download(t.value(), 0, v, 0, v.length);
                trained.put(t.name(), v);
            }
        } finally {
            data.unpersist();
        }
        return trained;
    }

    /** One partition's gradient at {@code weights}, scaled by its row count (nothing for an empty shard). */
    private static Iterator<float[]> shardGradient(Iterator<Row> rows, Recipe recipe, float[] weights) {
        List<Row> shard = new ArrayList<>();
        rows.forEachRemaining(shard::add);
        SequenceModel.Batch batch = batchOf(shard, recipe);
        if (batch == null) {
            return List.<float[]>of().iterator();
        }
        try (Backend b = Backends.open(recipe.backend());
             SequenceModel model = new SequenceModel(b, recipe.config())) {
            TensorVector.upload(b, model.trainableTensors(), TrainableTensor::value, weights);
            model.computeGradients(batch);
            return List.of(TensorVector.download(b, model.trainableTensors(), TrainableTensor::gradient,
                    shard.size())).iterator();
        }
    }

    /** One task: its shard, its replica, every step's exchange; the first task returns the trained tensors. */
    private static Iterator<float[]> replica(Iterator<Row> rows, Recipe recipe) {
        BarrierTaskContext context = BarrierTaskContext.get();
        List<Row> shard = new ArrayList<>();
        rows.forEachRemaining(shard::add);
        SequenceModel.Batch batch = batchOf(shard, recipe);
        int total = 0;
        for (String n : context.allGather(Integer.toString(shard.size()))) {
            total += Integer.parseInt(n);
        }
        float weight = (float) shard.size() / total;
        List<float[]> result = new ArrayList<>();
        try (Backend b = Backends.open(recipe.backend());
             SequenceModel model = new SequenceModel(b, recipe.config());
             Optimizer sgd = Optimizer.sgd(b, recipe.learningRate(), 0f, 0f)) {
            List<TrainableTensor> tensors = model.trainableTensors();
            for (int step = 0; step < recipe.steps(); step++) {
                float[] mine = new float[0];
                if (batch != null) {
                    model.computeGradients(batch);
                    mine = TensorVector.download(b, tensors, TrainableTensor::gradient, weight);
                } else {
                    model.zeroGradients();
                }
                float[] sum = null;
                for (String g : context.allGather(TensorVector.encode(mine))) {
                    float[] other = TensorVector.decode(g);
                    if (other.length > 0) {
                        sum = sum == null ? other : TensorVector.add(sum, other);
                    }
                }
                TensorVector.upload(b, tensors, TrainableTensor::gradient, sum);
                model.applyGradients(sgd, 0);
            }
            if (context.partitionId() == 0) {
                for (TrainableTensor t : tensors) {
                    float[] v = new float[(int) t.size()];
                    b.download(t.value(), 0, v, 0, v.length);
                    result.add(v);
                }
            }
        }
        return result.iterator();
    }

    /** The whole shard as one batch, sequence-major, or null for an empty shard. */
    static SequenceModel.Batch batchOf(List<Row> shard, Recipe recipe) {
        if (shard.isEmpty()) {
            return null;
        }
        int inputs = recipe.inputSize();
        int rows = shard.size();
        float[][] sequences = new float[rows][];
        int[] lengths = new int[rows];
        float[] targets = new float[rows * recipe.outputs()];
        int steps = 0;
        for (int r = 0; r < rows; r++) {
            List<Object> x = shard.get(r).getList(0);
            List<Object> y = shard.get(r).getList(1);
            if (x.isEmpty() || x.size() % inputs != 0 || y.size() != recipe.outputs()) {
                throw new IllegalArgumentException("a row's inputs (" + x.size() + " values) must be whole steps of "
                        + inputs + ", and its target " + recipe.outputs() + " values (" + y.size() + ")");
            }
            sequences[r] = new float[x.size()];
            for (int i = 0; i < x.size(); i++) {
                sequences[r][i] = ((Number) x.get(i)).floatValue();
            }
            for (int o = 0; o < recipe.outputs(); o++) {
                targets[r * recipe.outputs() + o] = ((Number) y.get(o)).floatValue();
            }
            lengths[r] = x.size() / inputs;
            steps = Math.max(steps, lengths[r]);
        }
        float[] x = new float[steps * rows * inputs];
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < lengths[r]; t++) {
                System.arraycopy(sequences[r], t * inputs, x, (t * rows + r) * inputs, inputs);
            }
        }
        return new SequenceModel.Batch(steps, rows, null, x, lengths, null, targets);
    }

    /** Every tensor's value or gradient as one vector, and back. */
    static final class TensorVector {
        private TensorVector() {
        }

        /** Every tensor's {@code part} (its value or its gradient) downloaded end to end, times {@code scale}. */
        static float[] download(Backend b, List<TrainableTensor> tensors, Function<TrainableTensor, DeviceBuffer> part,
                                float scale) {
            long n = 0;
            for (TrainableTensor t : tensors) {
                n += t.size();
            }
            float[] all = new float[Math.toIntExact(n)];
            int at = 0;
            for (TrainableTensor t : tensors) {
                b.download(part.apply(t), 0, all, at, (int) t.size());
                at += (int) t.size();
            }
            if (scale != 1f) {
                for (int i = 0; i < all.length; i++) {
                    all[i] *= scale;
                }
            }
            return all;
        }

        /** {@code all}, as {@link #download} lays it out, uploaded into every tensor's {@code part}. */
        static void upload(Backend b, List<TrainableTensor> tensors, Function<TrainableTensor, DeviceBuffer> part,
                           float[] all) {
            int at = 0;
            for (TrainableTensor t : tensors) {
                b.upload(all, at, part.apply(t), 0, (int) t.size());
                at += (int) t.size();
            }
        }

        static float[] add(float[] a, float[] b) {
            for (int i = 0; i < a.length; i++) {
                a[i] += b[i];
            }
            return a;
        }

        static String encode(float[] v) {
            ByteBuffer bytes = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(v);
            return Base64.getEncoder().encodeToString(bytes.array());
        }

        static float[] decode(String s) {
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(s)).order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[bytes.remaining() / 4];
            bytes.asFloatBuffer().get(v);
            return v;
        }
    }
}
