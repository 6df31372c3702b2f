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

/**
 * What one executor JVM keeps between tasks: a backend per name, opened on first use and closed when the JVM stops;
 * per model a pool of layers with their weights uploaded, one per task running at once (a layer serves one thread at
 * a time); and per training recipe a pool of replicas. Tasks borrow a layer or replica and give it back.
 */
final class ExecutorLayers {
    private static final Map<String, Backend> BACKENDS = new ConcurrentHashMap<>();
    private static final Map<String, RnnModelFile.Model> MODELS = new ConcurrentHashMap<>();
    private static final Map<String, Queue<RecurrentLayer>> POOLS = new ConcurrentHashMap<>();
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

    /** A layer of the model under {@code key} on backend {@code backend}, from the pool or new. */
    static RecurrentLayer borrow(String backend, String key, byte[] bytes) {
        RecurrentLayer layer = pool(backend, key).poll();
        if (layer != null) {
            return layer;
        }
        RnnModelFile.Model m = model(key, bytes);
        return RecurrentLayer.create(backend(backend), m.spec(), m.weights());
    }

    /** Returns {@code layer} for the next task. */
    static void giveBack(String backend, String key, RecurrentLayer layer) {
        pool(backend, key).add(layer);
    }

    /** A model built by {@code recipe} (its weights whatever the last borrower left), from the pool or new. */
    static SequenceModel borrowReplica(DataParallelTrainer.Recipe recipe) {
        SequenceModel model = REPLICAS.computeIfAbsent(recipe, k -> new ConcurrentLinkedQueue<>()).poll();
        return model != null ? model : new SequenceModel(backend(recipe.backend(), recipe.threads()), recipe.config());
    }

    /** Returns {@code model} for the next task of the same recipe. */
    static void giveBack(DataParallelTrainer.Recipe recipe, SequenceModel model) {
        REPLICAS.computeIfAbsent(recipe, k -> new ConcurrentLinkedQueue<>()).add(model);
    }

    /** A backend of {@code name} with {@code threads} threads (0: its default), shared by the JVM's tasks. */
    static Backend backend(String name, int threads) {
        if (threads == 0) {
            return backend(name);
        }
        return BACKENDS.computeIfAbsent(name + " threads=" + threads,
                k -> Backends.open(name, BackendOptions.defaults().withThreads(threads)));
    }

    private static Queue<RecurrentLayer> pool(String backend, String key) {
        return POOLS.computeIfAbsent(backend + "\n" + key, k -> new ConcurrentLinkedQueue<>());
    }

    private static Backend backend(String name) {
        return BACKENDS.computeIfAbsent(name, Backends::open);
    }

    /** Closes every layer and backend; for the JVM's end (and tests). */
    static synchronized void closeAll() {
        for (Queue<RecurrentLayer> q : POOLS.values()) {
            for (RecurrentLayer l; (l = q.poll()) != null; ) {
                l.close();
            }
        }
        POOLS.clear();
        for (Queue<SequenceModel> q : REPLICAS.values()) {
            for (SequenceModel m; (m = q.poll()) != null; ) {
                m.close();
            }
        }
        REPLICAS.clear();
        MODELS.clear();
        BACKENDS.values().forEach(Backend::close);
        BACKENDS.clear();
    }
}
