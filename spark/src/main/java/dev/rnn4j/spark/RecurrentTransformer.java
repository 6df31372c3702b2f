package dev.rnn4j.spark;

import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.io.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Scores a {@code Dataset} of sequences with an rnn4j model, as an MLlib {@code Transformer} that fits a
 * {@code Pipeline}. Each row's input column holds one sequence as a flat array of floats (or doubles), {@code [T, I]}
 * step-major, T its own length; the output column gets the top layer's final state or every step's output
 * ({@link SequenceOutput}).
 *
 * <pre>{@code
 * Dataset<Row> scored = new RecurrentTransformer()
 *         .setModelPath("/models/sensors.safetensors")   // an rnn4j model file, read on the driver
 *         .setInputCol("readings").setOutputCol("state").setBatchSize(64)
 *         .transform(readings);
 * }</pre>
 *
 * <p>The model file is read once, on the driver, and broadcast. Each executor JVM keeps a pool of layers, one per
 * running task, each on its own backend, and runs each partition's rows in batches of {@code batchSize}, sorted by
 * length within a window.
 *
 * <p>It saves and loads as MLlib stages do ({@code save}, {@link #load}, inside a saved {@code PipelineModel}): its
 * params, the model file's path among them. The model file itself is not copied: keep it where the path says.
 */
public final class RecurrentTransformer extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    /** Batches of this many sequences unless set: large enough for the GEMMs, small enough for any backend. */
    static final int DEFAULT_BATCH = 64;

    private final String uid;

    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> modelPath;
    private final Param<String> backend;
    private final IntParam batchSize;
    private final IntParam threads;
    private final Param<String> output;

    public RecurrentTransformer() {
        this(Identifiable$.MODULE$.randomUID("rnn4j"));
    }

    /** With a given uid, as MLlib's copy and persistence create instances. */
    public RecurrentTransformer(String uid) {
        this.uid = uid;
        // Made here, after the uid: a Param records its parent's uid when it is made.
        inputCol = new Param<>(this, "inputCol", "the column of sequences: arrays of floats or doubles, [T, I] "
                + "step-major");
        outputCol = new Param<>(this, "outputCol", "the column for the results");
        modelPath = new Param<>(this, "modelPath", "an rnn4j model file, read on the driver");
        backend = new Param<>(this, "backend", "the backend each executor opens");
        batchSize = new IntParam(this, "batchSize", "sequences per batch", ParamValidators.gtEq(1));
        threads = new IntParam(this, "threads", "the CPU backend's threads per task (0: every core of the machine, "
                + "shared by the executor's tasks)", ParamValidators.gtEq(0));
        output = new Param<>(this, "output", "final_state (the top layer's last hidden state) or sequence (every "
                + "step's output)");
        setDefault(inputCol, "sequence");
        setDefault(outputCol, "output");
        setDefault(backend, "cpu");
        setDefault(batchSize, DEFAULT_BATCH);
        setDefault(threads, 0);
        setDefault(output, "final_state");
    }

    @Override
    public String uid() {
        return uid;
    }

    // MLlib finds a stage's params by reflection, as public no-argument methods returning a Param.

    /** The column holding each sequence. */
    public Param<String> inputCol() {
        return inputCol;
    }

    /** The column the results go to. */
    public Param<String> outputCol() {
        return outputCol;
    }

    /** The model file (safetensors with the spec in its metadata), read on the driver. */
    public Param<String> modelPath() {
        return modelPath;
    }

    /** The backend each executor opens: {@code cpu}, {@code opencl}, {@code cuda}, {@code auto}, ... */
    public Param<String> backend() {
        return backend;
    }

    /** Sequences per batch. */
    public IntParam batchSize() {
        return batchSize;
    }

    /**
     * The CPU backend's threads per task: match it to the cores Spark gives a task ({@code spark.task.cpus}) when
     * an executor runs several tasks at once. 0, the default, opens the backend with every core of the machine; the
     * executor's tasks then share those threads, and a task that finds them busy runs on its own thread alone.
     */
    public IntParam threads() {
        return threads;
    }

    /** {@code final_state} or {@code sequence}. */
    public Param<String> output() {
        return output;
    }

    public RecurrentTransformer setInputCol(String value) {
        set(inputCol, value);
        return this;
    }

    public RecurrentTransformer setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    public RecurrentTransformer setModelPath(String value) {
        set(modelPath, value);
        return this;
    }

    public RecurrentTransformer setBackend(String value) {
        set(backend, value);
        return this;
    }

    public RecurrentTransformer setBatchSize(int value) {
        set(batchSize, value);
        return this;
    }

    public RecurrentTransformer setThreads(int value) {
        set(threads, value);
        return this;
    }

    /** {@code final_state} or {@code sequence}. */
    public RecurrentTransformer setOutput(String value) {
        SequenceOutput.parse(value);
        set(output, value);
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String in = getOrDefault(inputCol);
        String out = getOrDefault(outputCol);
        SequenceColumn.of(schema, in, "input column");
        List<String> names = List.of(schema.fieldNames());
        if (names.contains(out)) {
            throw new IllegalArgumentException("output column '" + out + "' already exists");
        }
        List<StructField> fields = new ArrayList<>(List.of(schema.fields()));
        fields.add(DataTypes.createStructField(out, DataTypes.createArrayType(DataTypes.FloatType, false), false));
        return DataTypes.createStructType(fields);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> rows = dataset.toDF();
        StructType schema = transformSchema(rows.schema());
        if (!isDefined(modelPath)) {
            throw new IllegalArgumentException("modelPath is not set: give the rnn4j model file to score with");
        }
        Path path = Path.of(getOrDefault(modelPath));
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
            RnnModelFile.load(SafetensorsFile.parse(bytes, path.toString())); // refused here, not on every executor
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the model " + path + ": " + e.getMessage(), e);
        }
        String key = path.getFileName() + "@" + HexFormat.of().formatHex(digest(bytes));
        if (!(rows instanceof org.apache.spark.sql.classic.Dataset<Row> classic)) {
            throw new UnsupportedOperationException("RecurrentTransformer runs in a classic Spark session, where the "
                    + "model runs on the executors; this Dataset is from Spark Connect (" + rows.getClass().getName()
                    + ")");
        }
        JavaSparkContext context = JavaSparkContext.fromSparkContext(classic.sparkSession().sparkContext());
        Broadcast<byte[]> model = context.broadcast(bytes);
        SequenceColumn in = SequenceColumn.of(rows.schema(), getOrDefault(inputCol), "input column");
        JavaRDD<InternalRow> scored = classic.queryExecution().toRdd().toJavaRDD().mapPartitions(
                new ScorePartition(model, key, getOrDefault(backend), (Integer) getOrDefault(threads),
                        (Integer) getOrDefault(batchSize), in,
                        SequenceOutput.parse(getOrDefault(output))));
        return classic.sparkSession().internalCreateDataFrame(scored.rdd(), schema, false);
    }

    /** The model's identity on the executors: two files with the same name and other weights are two models. */
    private static byte[] digest(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every JDK", e);
        }
    }

    /** Reads a saved transformer's params (MLlib finds this method by reflection when it loads a pipeline). */
    public static MLReader<RecurrentTransformer> read() {
        return new DefaultParamsReader<>();
    }

    /** A transformer saved with {@code save(path)}. */
    public static RecurrentTransformer load(String path) {
        return read().load(path);
    }

    @Override
    public Transformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
