package dev.rnn4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.CellVariant;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.io.MalformedFileException;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint as one safetensors file: the model's configuration (JSON in the metadata), every parameter
 * tensor ({@code param.<name>}), the optimizer's state ({@code opt.<name>.state1|2}), its hyperparameters, and
 * counters (optimizer steps, the caller's step, the model's dropout draws), and for truncated BPTT over streams the
 * run's {@link TruncatedBptt.Progress} (position, window, carried state), so that resuming on the CPU backend with
 * the same seeds reproduces an uninterrupted run bit for bit. Written atomically and durably
 * ({@link SafetensorsWriter#write}): a crash while saving leaves the previous checkpoint readable.
 */
public final class Checkpoint {
    static final String FORMAT = "rnn4j.checkpoint";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoint() {
    }

    /**
     * What a checkpoint held besides the model's and optimizer's tensors.
     *
     * @param streamProgress where a truncated-BPTT run stood ({@link TruncatedBptt#resume}); null when none was saved
     */
    public record Restored(long step, Map<String, String> extra, TruncatedBptt.Progress streamProgress) {
    }

    /** Saves model, optimizer and the caller's {@code step}; {@code extra} strings go into the metadata too. */
    public static void save(Path path, SequenceModel model, Optimizer optimizer, long step, Map<String, String> extra)
            throws IOException {
        save(path, model, optimizer, step, extra, null);
    }

    /** As above, with a truncated-BPTT run's progress (null: none) to resume from. */
    public static void save(Path path, SequenceModel model, Optimizer optimizer, long step, Map<String, String> extra,
                            TruncatedBptt.Progress streamProgress) throws IOException {
        save(List.of(path), model, optimizer, step, extra, streamProgress);
    }

    /**
     * As above, the same checkpoint to each of {@code paths} (each written atomically), read from the device once.
     */
    public static void save(List<Path> paths, SequenceModel model, Optimizer optimizer, long step,
                            Map<String, String> extra, TruncatedBptt.Progress streamProgress) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt").metadata(FORMAT, "1")
                .metadata("model", JSON.writeValueAsString(toJson(model.config())))
                .metadata("train.step", Long.toString(step))
                .metadata("model.dropout_calls", Long.toString(model.dropoutCalls()))
                .metadata("optimizer.kind", optimizer.kind().name())
                .metadata("optimizer.steps", Long.toString(optimizer.steps()))
                .metadata("optimizer.hyperparameters", JSON.writeValueAsString(optimizer.hyperparameters()));
        for (Map.Entry<String, String> e : extra.entrySet()) {
            w.metadata("extra." + e.getKey(), e.getValue());
        }
        for (TrainableTensor t : model.trainableTensors()) {
            float[] v = new float[Math.toIntExact(t.size())];
            model.backend().download(t.value(), 0, v, 0, v.length);
            w.addF32("param." + t.name(), v, t.shape());
        }
        for (Map.Entry<String, float[]> e : optimizer.saveState().entrySet()) {
            w.addF32("opt." + e.getKey(), e.getValue(), e.getValue().length);
        }
        if (streamProgress != null) {
            TruncatedBptt.Progress p = streamProgress;
            w.metadata("tbptt", p.k1() + ":" + p.k2() + ":" + p.position() + ":" + p.windowStart() + ":"
                    + Long.toHexString(p.streamFingerprint()));
            w.addF32("tbptt.h", p.h(), p.h().length);
            if (p.c() != null) {
                w.addF32("tbptt.c", p.c(), p.c().length);
            }
        }
        for (Path path : paths) {
            w.write(path);
        }
    }

    /**
     * Loads a checkpoint into a model of the same configuration and an optimizer of the same kind.
     *
     * @throws MalformedFileException when the file is not a checkpoint, was saved from another configuration, or
     *                                lacks or misshapes a tensor
     */
    public static Restored load(Path path, SequenceModel model, Optimizer optimizer) throws IOException {
        return load(SafetensorsFile.read(path), model, optimizer);
    }

    /**
     * {@link #load(Path, SequenceModel, Optimizer)} from a file already read (or parsed from memory); messages name
     * it by {@link SafetensorsFile#source()}.
     */
    public static Restored load(SafetensorsFile f, SequenceModel model, Optimizer optimizer) throws IOException {
        String path = f.source();
        Map<String, String> m = f.metadata();
        if (!"1".equals(m.get(FORMAT))) {
            throw new MalformedFileException(path + ": not an rnn4j checkpoint (metadata " + FORMAT + " missing)");
        }
        SequenceModel.Config saved = savedConfig(path, m.get("model"));
        if (!saved.equals(model.config())) {
            throw new MalformedFileException(path + ": saved from " + saved + " but the model is " + model.config());
        }
        if (!optimizer.kind().name().equals(m.get("optimizer.kind"))) {
            throw new MalformedFileException(path + ": optimizer state is " + m.get("optimizer.kind") + " but the "
                    + "optimizer is " + optimizer.kind());
        }
        // Everything is read and checked before anything is uploaded: a bad file leaves the model as it was.
        List<TrainableTensor> tensors = model.trainableTensors();
        List<float[]> values = new ArrayList<>();
        for (TrainableTensor t : tensors) {
            String name = "param." + t.name();
            if (!f.has(name)) {
                throw new MalformedFileException(path + ": tensor '" + name + "' is missing");
            }
            float[] v = f.floats(name);
            if (v.length != t.size()) {
                throw new MalformedFileException(path + ": tensor '" + name + "' has " + v.length + " values; expected "
                        + t.size());
            }
            for (float x : v) {
                if (!Float.isFinite(x)) {
                    throw new MalformedFileException(path + ": tensor '" + name + "' holds " + x);
                }
            }
            values.add(v);
        }
        TruncatedBptt.Progress progress = streamProgress(path, f);
        Map<String, float[]> state = new HashMap<>();
        for (String name : f.tensors().keySet()) {
            if (name.startsWith("opt.")) {
                state.put(name.substring(4), f.floats(name));
            }
        }
        long step = number(path, m, "train.step");
        long optimizerSteps = number(path, m, "optimizer.steps");
        long dropoutCalls = number(path, m, "model.dropout_calls");
        if (dropoutCalls < 0) {
            throw new MalformedFileException(path + ": metadata 'model.dropout_calls' is " + dropoutCalls
                    + "; a count of calls is never negative");
        }
        Map<String, String> hyper = hyperparameters(path, m);
        try {
            optimizer.checkedHyperparameters(hyper);
            // It checks every state's size before restoring any: the last check, so parameters go in after it.
            optimizer.restoreState(state, optimizerSteps, tensors);
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(path + ": " + e.getMessage());
        }
        for (int i = 0; i < tensors.size(); i++) {
            model.backend().upload(values.get(i), 0, tensors.get(i).value(), 0, values.get(i).length);
        }
        optimizer.restoreHyperparameters(hyper);
        model.restoreDropoutCalls(dropoutCalls);
        Map<String, String> extra = new HashMap<>();
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (e.getKey().startsWith("extra.")) {
                extra.put(e.getKey().substring(6), e.getValue());
            }
        }
        return new Restored(step, extra, progress);
    }

    /** The optimizer's hyperparameters from the metadata's JSON object of strings. */
    private static Map<String, String> hyperparameters(String path, Map<String, String> metadata)
            throws MalformedFileException {
        String json = metadata.get("optimizer.hyperparameters");
        JsonNode tree;
        try {
            tree = json == null ? null : JSON.readTree(json);
        } catch (IOException e) {
            tree = null;
        }
        if (tree == null || !tree.isObject()) {
            throw new MalformedFileException(path + ": metadata 'optimizer.hyperparameters' is not a JSON object: "
                    + json);
        }
        Map<String, String> hyper = new HashMap<>();
        tree.fields().forEachRemaining(e -> hyper.put(e.getKey(), e.getValue().asText()));
        return hyper;
    }

    private static long number(String path, Map<String, String> metadata, String key) throws MalformedFileException {
        String v = metadata.get(key);
        try {
            return Long.parseLong(v == null ? "" : v.trim());
        } catch (NumberFormatException e) {
            throw new MalformedFileException(path + ": metadata '" + key + "' is " + (v == null ? "missing"
                    : "'" + v + "', not a number"));
        }
    }

    private static TruncatedBptt.Progress streamProgress(String path, SafetensorsFile f) throws IOException {
        String text = f.metadata().get("tbptt");
        if (text == null) {
            return null;
        }
        String[] p = text.split(":", -1);
        try {
            if (p.length != 5 || !f.has("tbptt.h")) {
                throw new IllegalArgumentException("expected k1:k2:position:windowStart:fingerprint and tbptt.h");
            }
            return new TruncatedBptt.Progress(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]),
                    Integer.parseInt(p[3]), Long.parseUnsignedLong(p[4], 16), f.floats("tbptt.h"),
                    f.has("tbptt.c") ? f.floats("tbptt.c") : null);
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(path + ": truncated-BPTT progress '" + text + "' is malformed: "
                    + e.getMessage());
        }
    }

    static ObjectNode toJson(SequenceModel.Config c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("vocabulary", c.vocabulary()).put("outputs", c.outputs()).put("dropout", c.dropout())
                .put("head", c.head().name()).put("loss", c.loss().name()).put("seed", c.seed());
        RnnSpec s = c.rnn();
        CellVariant v = s.variant();
        ObjectNode r = o.putObject("rnn");
        r.put("cell", s.cell().name()).put("input", s.inputSize()).put("hidden", s.hiddenSize())
                .put("layers", s.layers()).put("bidirectional", s.bidirectional()).put("bias", s.bias())
                .put("peepholes", v.peepholes()).put("inputForget", v.inputForget()).put("clip", v.clip())
                .put("cellClip", v.cellClip()).put("linearAfterReset", v.linearAfterReset())
                .put("projectionSize", v.projectionSize());
        ArrayNode acts = r.putArray("activations");
        for (Activation a : v.activations()) {
            acts.addObject().put("function", a.function().name()).put("alpha", a.alpha()).put("beta", a.beta());
        }
        return o;
    }

    /** The configuration a checkpoint was saved from, or a message naming what in its JSON is missing or wrong. */
    private static SequenceModel.Config savedConfig(String path, String json) throws MalformedFileException {
        if (json == null) {
            throw new MalformedFileException(path + ": metadata 'model' (the model's configuration) is missing");
        }
        try {
            return fromJson(JSON.readTree(json));
        } catch (IOException e) {
            throw new MalformedFileException(path + ": metadata 'model' is not JSON: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(path + ": metadata 'model' describes no valid model: " + e.getMessage());
        }
    }

    /**
     * The configuration {@link #toJson} wrote.
     *
     * @throws IllegalArgumentException naming a field that is missing, of the wrong type or out of range
     */
    static SequenceModel.Config fromJson(JsonNode o) {
        JsonNode r = field(o, "rnn", JsonNode::isObject, "an object");
        List<Activation> acts = new ArrayList<>();
        for (JsonNode a : field(r, "activations", JsonNode::isArray, "an array")) {
            acts.add(new Activation(constant(Activation.Function.class, a, "function"), number(a, "alpha"),
                    number(a, "beta")));
        }
        RnnSpec spec = new RnnSpec(constant(CellType.class, r, "cell"), integer(r, "input"), integer(r, "hidden"),
                integer(r, "layers"), bool(r, "bidirectional"), bool(r, "bias"),
                new CellVariant(bool(r, "peepholes"), bool(r, "inputForget"), number(r, "clip"), number(r, "cellClip"),
                        bool(r, "linearAfterReset"), integer(r, "projectionSize"), acts));
        return new SequenceModel.Config(integer(o, "vocabulary"), spec, number(o, "dropout"), integer(o, "outputs"),
                constant(SequenceModel.Head.class, o, "head"), constant(SequenceModel.Loss.class, o, "loss"),
                field(o, "seed", JsonNode::canConvertToLong, "a 64-bit integer").asLong());
    }

    private static JsonNode field(JsonNode o, String name, java.util.function.Predicate<JsonNode> ok, String what) {
        JsonNode v = o == null || !o.isObject() ? null : o.get(name);
        if (v == null || !ok.test(v)) {
            throw new IllegalArgumentException("'" + name + "' must be " + what + ", got " + v);
        }
        return v;
    }

    private static int integer(JsonNode o, String name) {
        return field(o, name, v -> v.isIntegralNumber() && v.canConvertToInt(), "a 32-bit integer").asInt();
    }

    private static float number(JsonNode o, String name) {
        return (float) field(o, name, JsonNode::isNumber, "a number").asDouble();
    }

    private static boolean bool(JsonNode o, String name) {
        return field(o, name, JsonNode::isBoolean, "true or false").asBoolean();
    }

    private static <E extends Enum<E>> E constant(Class<E> type, JsonNode o, String name) {
        String text = field(o, name, JsonNode::isTextual, "a string").asText();
        try {
            return Enum.valueOf(type, text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + name + "' = '" + text + "' is not one of "
                    + java.util.Arrays.toString(type.getEnumConstants()));
        }
    }
}
