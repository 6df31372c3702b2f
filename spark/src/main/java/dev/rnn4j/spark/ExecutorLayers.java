package dev.rnn4j.spark;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.Backends;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.io.MalformedFileException;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.train.SequenceModel;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What one executor JVM keeps between tasks: per model a pool of layers with their weights uploaded, and per
 * training recipe a pool of replicas, one for each task running at once; all closed when the JVM stops. Tasks borrow
 * a layer or replica and give it back.
 *
 * <p>Each pooled layer or replica has a backend of its own. A backend runs one sequence at a time (its step loop
 * holds the backend's lock for the whole sequence), so two tasks sharing one would take turns: measured, two tasks
 * on one CPU backend each took as long as one task on twice the rows.
 */
final class ExecutorLayers {
    private static final Map<String, RnnModelFile.Model> MODELS = new ConcurrentHashMap<>();
    private static final Map<String, Queue<RecurrentLayer>> LAYERS = new ConcurrentHashMap<>();
    private static final Map<DataParallelTrainer.Recipe, Queue<SequenceModel>> REPLICAS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorLayers::closeAll, "rnn4j-spark-close"));
    }

    private ExecutorLayers() {
    }

    /** The model under {@code key}, parsed from {@code bytes} the first time. */
    static RnnModelFile.Model model(String key, byte[] bytes) {
        return MODELS.computeIfAbsent(key, k -> {
            try {
                return RnnModelFile.load(SafetensorsFile.parse(bytes, key));
            } catch (MalformedFileException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        });
    }

    /**
     * A layer of the model under {@code key} on its own backend {@code backend} with {@code threads} threads (0: the
     * backend's default), from the pool or new.
     */
    static RecurrentLayer borrow(String backend, int threads, String key, byte[] bytes) {
        RecurrentLayer layer = layers(backend, threads, key).poll();
        if (layer != null) {
            return layer;
        }
        RnnModelFile.Model m = model(key, bytes);
        return onOwnBackend(backend, threads, b -> RecurrentLayer.create(b, m.spec(), m.weights()));
    }

    /** Returns {@code layer} for the next task. */
    static void giveBack(String backend, int threads, String key, RecurrentLayer layer) {
        layers(backend, threads, key).add(layer);
    }

    private static Queue<RecurrentLayer> layers(String backend, int threads, String key) {
        return LAYERS.computeIfAbsent(backend + " threads=" + threads + "\n" + key,
                k -> new ConcurrentLinkedQueue<>());
    }

    /**
     * A model built by {@code recipe} on its own backend (its weights whatever the last borrower left), from the
     * pool or new.
     */
    static SequenceModel borrowReplica(DataParallelTrainer.Recipe recipe) {
        SequenceModel model = REPLICAS.computeIfAbsent(recipe, k -> new ConcurrentLinkedQueue<>()).poll();
        if (model != null) {
            return model;
        }
        return onOwnBackend(recipe.backend(), recipe.threads(), b -> new SequenceModel(b, recipe.config()));
    }

    /** Returns {@code model} for the next task of the same recipe. */
    static void giveBack(DataParallelTrainer.Recipe recipe, SequenceModel model) {
        REPLICAS.computeIfAbsent(recipe, k -> new ConcurrentLinkedQueue<>()).add(model);
    }

    /** What {@code make} builds on a new backend of its own, the backend closed if building fails. */
    private static <T> T onOwnBackend(String name, int threads, Function<Backend, T> make) {
        Backend b = open(name, threads);
        try {
            return make.apply(b);
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }

    /** A new backend {@code name} with {@code threads} threads (0: its default); the caller closes it. */
    static Backend open(String name, int threads) {
        return threads == 0 ? Backends.open(name) : Backends.open(name, BackendOptions.defaults().withThreads(threads));
    }

    /** Closes every layer and replica and their backends; for the JVM's end (and tests). */
    static synchronized void closeAll() {
        closeEach(LAYERS, RecurrentLayer::backend, RecurrentLayer::close);
        closeEach(REPLICAS, SequenceModel::backend, SequenceModel::close);
        MODELS.clear();
    }

    private static <T> void closeEach(Map<?, Queue<T>> pools, Function<T, Backend> backendOf, Consumer<T> close) {
        for (Queue<T> q : pools.values()) {
            for (T item; (item = q.poll()) != null; ) {
                Backend b = backendOf.apply(item);
                close.accept(item);
                b.close();
            }
        }
        pools.clear();
    }
}
