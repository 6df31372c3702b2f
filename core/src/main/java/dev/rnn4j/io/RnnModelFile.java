package dev.rnn4j.io;

import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.CellVariant;
import dev.rnn4j.Parameter;
import dev.rnn4j.ParameterKind;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Recurrent-layer weights as a safetensors file with PyTorch's state_dict names ({@code weight_ih_l0},
 * {@code bias_hh_l1_reverse}, ...) and the spec in the metadata under PyTorch's constructor names: {@code mode}
 * (RNN_TANH, RNN_RELU, LSTM, GRU), {@code input_size}, {@code hidden_size}, {@code num_layers},
 * {@code bidirectional}, {@code bias}, {@code batch_first}, and {@code proj_size} when an LSTM has a projection. A
 * {@code torch.nn.LSTM/GRU/RNN} state_dict saved this way loads unchanged, and what {@link #save} writes loads back
 * with {@code module.load_state_dict}.
 *
 * <p>Loading checks everything before returning: every expected tensor present, none unexpected, shapes as the spec
 * says, a floating-point dtype, all values finite. Errors name the tensor and the problem.
 */
public final class RnnModelFile {
    /** Metadata keys, PyTorch's constructor argument names (and safetensors' own {@code format}). */
    static final String MODE = "mode";
    static final String INPUT_SIZE = "input_size";
    static final String HIDDEN_SIZE = "hidden_size";
    static final String NUM_LAYERS = "num_layers";
    static final String BIDIRECTIONAL = "bidirectional";
    static final String BIAS = "bias";
    static final String BATCH_FIRST = "batch_first";
    /** rnn4j's own key: LSTM peepholes. Written only when true, so PyTorch-made files and PyTorch-able ones stay alike. */
    static final String PEEPHOLES = "peepholes";
    /** rnn4j's own key: ONNX's LSTM input_forget coupling; written only when true. */
    static final String INPUT_FORGET = "input_forget";
    /** rnn4j's own key: ONNX's clip threshold; written only when clipping. */
    static final String CLIP = "clip";
    /** rnn4j's own key: cuDNN's LSTM cell clipping threshold; written only when clipping. */
    static final String CELL_CLIP = "cell_clip";
    /**
     * ONNX's GRU attribute, as a key: {@code False} for the original GRU (reset before W_hn); written only then,
     * absent means PyTorch's form ({@code True}).
     */
    static final String LINEAR_BEFORE_RESET = "linear_before_reset";
    /** PyTorch's LSTM constructor argument; written only when there is a projection, absent means 0. */
    static final String PROJ_SIZE = "proj_size";
    /**
     * ONNX's attributes, as keys, written only when the layers have activations other than the cell's own: names
     * joined by commas ({@code Sigmoid,Tanh,Tanh}), and the alphas and betas likewise, consumed in order as ONNX
     * consumes them.
     */
    static final String ACTIVATIONS = "activations";
    static final String ACTIVATION_ALPHA = "activation_alpha";
    static final String ACTIVATION_BETA = "activation_beta";
    /** rnn4j's own key: the prefix every tensor's name carries ({@link #save(Path, RnnParameters, boolean, String)}). */
    static final String PREFIX = "prefix";

    private RnnModelFile() {
    }

    /**
     * A loaded model.
     *
     * @param spec       the spec from the metadata
     * @param batchFirst PyTorch's {@code batch_first}: whether inputs are batch-major
     * @param weights    the weights, checked
     */
    public record Model(RnnSpec spec, boolean batchFirst, RnnParameters weights) {
    }

    /** Writes {@code weights} and its spec; atomically (temporary file, then rename). */
    public static void save(Path path, RnnParameters weights, boolean batchFirst) throws IOException {
        save(path, weights, batchFirst, "");
    }

    /**
     * Writes {@code weights} under {@code prefix} ({@code "encoder.lstm."}: the keys a larger PyTorch model's
     * state_dict gives this layer) with its spec and the prefix in the metadata, so {@link #load(Path)} reads it back
     * and a whole model's {@code load_state_dict(..., strict=False)} takes it.
     */
    public static void save(Path path, RnnParameters weights, boolean batchFirst, String prefix) throws IOException {
        RnnSpec spec = weights.spec();
        SafetensorsWriter w = new SafetensorsWriter()
                .metadata("format", "pt")
                .metadata(MODE, spec.cell().name())
                .metadata(INPUT_SIZE, Integer.toString(spec.inputSize()))
                .metadata(HIDDEN_SIZE, Integer.toString(spec.hiddenSize()))
                .metadata(NUM_LAYERS, Integer.toString(spec.layers()))
                .metadata(BIDIRECTIONAL, pythonBool(spec.bidirectional()))
                .metadata(BIAS, pythonBool(spec.bias()))
                .metadata(BATCH_FIRST, pythonBool(batchFirst));
        if (spec.peepholes()) {
            w.metadata(PEEPHOLES, pythonBool(true));
        }
        if (spec.inputForget()) {
            w.metadata(INPUT_FORGET, pythonBool(true));
        }
        if (spec.variant().hasClip()) {
            w.metadata(CLIP, Float.toString(spec.clip()));
        }
        if (spec.cellClip() > 0) {
            w.metadata(CELL_CLIP, Float.toString(spec.cellClip()));
        }
        if (spec.linearAfterReset()) {
            w.metadata(LINEAR_BEFORE_RESET, pythonBool(false));
        }
        if (spec.projectionSize() > 0) {
            w.metadata(PROJ_SIZE, Integer.toString(spec.projectionSize()));
        }
        if (spec.variant().hasActivations()) {
            List<Activation> a = spec.variant().activations();
            w.metadata(ACTIVATIONS, String.join(",", Activation.onnxNames(a)));
            w.metadata(ACTIVATION_ALPHA, joined(Activation.onnxAlphas(a)));
            w.metadata(ACTIVATION_BETA, joined(Activation.onnxBetas(a)));
        }
        if (!prefix.isEmpty()) {
            w.metadata(PREFIX, prefix);
        }
        for (Parameter p : weights.parameters()) {
            w.addF32(prefix + p.name(), weights.get(p.name()), p.shape());
        }
        w.write(path);
    }

    /**
     * Writes {@code weights} as a NumPy {@code .npz} of float32 arrays named {@code prefix + name}, as
     * {@code np.savez(path, **state_dict)} would; {@code .npz} has no metadata, so the spec is not in it.
     */
    public static void saveNpz(Path path, RnnParameters weights, String prefix) throws IOException {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Parameter p : weights.parameters()) {
            values.put(prefix + p.name(), weights.get(p.name()));
            shapes.put(prefix + p.name(), p.shape());
        }
        NpzFile.write(path, values, shapes);
    }

    /** Reads a model whose metadata holds the spec. */
    public static Model load(Path path) throws IOException {
        return load(SafetensorsFile.read(path));
    }

    /** A model from an already-read file whose metadata holds the spec. */
    public static Model load(SafetensorsFile file) throws MalformedFileException {
        RnnSpec spec = specOf(file);
        boolean batchFirst = bool(file, BATCH_FIRST, false);
        String prefix = file.metadata().getOrDefault(PREFIX, "");
        if (prefix.isEmpty()) {
            return new Model(spec, batchFirst, weightsOf(file, spec));
        }
        long needed = RnnParameters.tensorCount(spec);
        if (needed > file.names().size()) {
            throw new MalformedFileException(file.source() + ": " + spec + " has " + needed + " parameter tensors; "
                    + "the file holds " + file.names().size());
        }
        return new Model(spec, batchFirst, loadStateDict(file, RnnParameters.zeros(spec),
                StateDictOptions.defaults().withPrefix(prefix)).weights());
    }

    /**
     * Reads weights for a known spec; the file needs no metadata, but where it has a spec it must agree.
     */
    public static RnnParameters load(Path path, RnnSpec spec) throws IOException {
        SafetensorsFile file = SafetensorsFile.read(path);
        if (file.metadata().containsKey(MODE)) {
            RnnSpec declared = specOf(file);
            if (!declared.equals(spec)) {
                throw new MalformedFileException(file.source() + ": file declares " + declared + " but " + spec
                        + " was asked for");
            }
        }
        return weightsOf(file, spec);
    }

    /** The spec a file's metadata declares; a clear error listing what is missing or wrong. */
    public static RnnSpec specOf(SafetensorsFile file) throws MalformedFileException {
        Map<String, String> m = file.metadata();
        List<String> required = List.of(MODE, INPUT_SIZE, HIDDEN_SIZE);
        Set<String> missing = new LinkedHashSet<>();
        for (String k : required) {
            if (!m.containsKey(k)) {
                missing.add(k);
            }
        }
        if (!missing.isEmpty()) {
            throw new MalformedFileException(file.source() + ": metadata lacks " + missing + " (has " + m.keySet()
                    + "); a model file carries the spec under PyTorch's names: mode, input_size, hidden_size, "
                    + "num_layers, bidirectional, bias, batch_first");
        }
        CellType cell;
        try {
            cell = CellType.parse(m.get(MODE));
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(file.source() + ": metadata " + MODE + ": " + e.getMessage());
        }
        try {
            return new RnnSpec(cell, integer(file, INPUT_SIZE, -1), integer(file, HIDDEN_SIZE, -1),
                    integer(file, NUM_LAYERS, 1), bool(file, BIDIRECTIONAL, false), bool(file, BIAS, true),
                    new CellVariant(bool(file, PEEPHOLES, false), bool(file, INPUT_FORGET, false),
                            number(file, CLIP, 0f), number(file, CELL_CLIP, 0f),
                            !bool(file, LINEAR_BEFORE_RESET, true), integer(file, PROJ_SIZE, 0),
                            activations(file)));
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(file.source() + ": metadata describes an invalid spec: " + e.getMessage());
        }
    }

    private static String joined(float[] values) {
        StringBuilder s = new StringBuilder();
        for (float v : values) {
            s.append(s.length() == 0 ? "" : ",").append(v);
        }
        return s.toString();
    }

    /** The activations a file's metadata lists (empty when it lists none), read as ONNX's attributes are. */
    private static List<Activation> activations(SafetensorsFile file) throws MalformedFileException {
        String names = file.metadata().get(ACTIVATIONS);
        if (names == null || names.isBlank()) {
            return List.of();
        }
        try {
            return Activation.fromOnnx(List.of(names.split(",")), floats(file, ACTIVATION_ALPHA),
                    floats(file, ACTIVATION_BETA));
        } catch (IllegalArgumentException e) {
            throw new MalformedFileException(file.source() + ": metadata " + ACTIVATIONS + ": " + e.getMessage());
        }
    }

    private static float[] floats(SafetensorsFile file, String key) throws MalformedFileException {
        String v = file.metadata().get(key);
        if (v == null || v.isBlank()) {
            return new float[0];
        }
        String[] parts = v.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Float.parseFloat(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new MalformedFileException(file.source() + ": metadata " + key + " = '" + v + "' holds '"
                        + parts[i] + "', not a number");
            }
        }
        return out;
    }

    /**
     * Every parameter of {@code spec} from {@code file}, checked for presence, shape, dtype and finiteness. The
     * sizes come from the metadata, which is only text: nothing is allocated until every tensor the spec needs is
     * known to be in the file with its shape, so what is allocated is bounded by the data actually present.
     */
    public static RnnParameters weightsOf(TensorSource file, RnnSpec spec) throws MalformedFileException {
        long needed = RnnParameters.tensorCount(spec);
        if (needed > file.names().size()) {
            // Name the first one missing without listing them all: the walk ends within the file's tensor count.
            Parameter p = firstMissing(file, spec);
            throw new MalformedFileException(file.source() + ": missing tensor '" + p.name() + "' of shape "
                    + Arrays.toString(p.shape()) + " required by " + spec + ", which has " + needed
                    + " parameter tensors; the file holds " + file.names().size());
        }
        List<Parameter> parameters = RnnParameters.describe(spec);
        Set<String> unexpected = new LinkedHashSet<>(file.names());
        for (Parameter p : parameters) {
            if (!file.has(p.name())) {
                throw new MalformedFileException(file.source() + ": missing tensor '" + p.name() + "' of shape "
                        + Arrays.toString(p.shape()) + " required by " + spec);
            }
            unexpected.remove(p.name());
            checkTensor(file, p.name(), p, spec);
        }
        if (!unexpected.isEmpty()) {
            throw new MalformedFileException(file.source() + ": unexpected tensors " + unexpected + " for " + spec);
        }
        RnnParameters out = RnnParameters.zeros(spec);
        for (Parameter p : parameters) {
            out.set(p.name(), finite(file, p.name()));
        }
        return out;
    }

    /** Checks that tensor {@code key} has {@code p}'s shape and a floating-point type. */
    private static void checkTensor(TensorSource file, String key, Parameter p, RnnSpec spec)
            throws MalformedFileException {
        String where = file.source() + ": tensor '" + key + "'";
        long[] shape = file.shape(key);
        if (!Arrays.equals(shape, p.shape())) {
            throw new MalformedFileException(where + " has shape " + Arrays.toString(shape) + " but " + spec
                    + " needs " + Arrays.toString(p.shape()));
        }
        if (!file.isFloatingPoint(key)) {
            throw new MalformedFileException(where + " is " + file.typeName(key)
                    + "; weights must be F32, F64, F16 or BF16");
        }
    }

    /** Tensor {@code key}'s values, every one finite. */
    private static float[] finite(TensorSource file, String key) throws MalformedFileException {
        float[] v = file.floats(key);
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new MalformedFileException(file.source() + ": tensor '" + key + "' holds " + v[i]
                        + " at flat index " + i + "; weights must be finite");
            }
        }
        return v;
    }

    /**
     * Loads a layer's weights out of a state_dict as PyTorch's {@code load_state_dict} does: tensor {@code name} from
     * key {@code options.prefix() + name}; keys outside the prefix belong to other modules and are left alone. Every
     * tensor read is checked (shape, floating-point type, finite values) whatever the strictness. Strict, a missing
     * or unexpected key is an error listing them all; not strict, they are reported in the result, and a missing
     * parameter keeps its value in {@code current}.
     *
     * @param file    a safetensors file or an {@code .npz} ({@link TensorSource#read})
     * @param current the layer's weights now, which also give its spec; not modified
     */
    public static StateDictLoad loadStateDict(TensorSource file, RnnParameters current, StateDictOptions options)
            throws MalformedFileException {
        RnnSpec spec = current.spec();
        String prefix = options.prefix();
        List<Parameter> parameters = RnnParameters.describe(spec);
        Set<String> names = new LinkedHashSet<>();
        for (Parameter p : parameters) {
            names.add(p.name());
        }
        List<String> missing = new ArrayList<>();
        for (Parameter p : parameters) {
            if (!file.has(prefix + p.name())) {
                missing.add(prefix + p.name());
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String key : file.names()) {
            if (key.startsWith(prefix) && !names.contains(key.substring(prefix.length()))) {
                unexpected.add(key);
            }
        }
        if (options.strict() && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new MalformedFileException(file.source() + ": loading " + spec
                    + (prefix.isEmpty() ? "" : " from the keys under '" + prefix + "'") + ": "
                    + (missing.isEmpty() ? "" : "missing keys " + missing + (unexpected.isEmpty() ? "" : "; "))
                    + (unexpected.isEmpty() ? "" : "unexpected keys " + unexpected)
                    + " (StateDictOptions.nonStrict() loads what is there and reports the rest)");
        }
        for (Parameter p : parameters) {
            if (file.has(prefix + p.name())) {
                checkTensor(file, prefix + p.name(), p, spec);
            }
        }
        RnnParameters out = current.copy();
        for (Parameter p : parameters) {
            if (file.has(prefix + p.name())) {
                out.set(p.name(), finite(file, prefix + p.name()));
            }
        }
        return new StateDictLoad(out, missing, unexpected);
    }

    private static Parameter firstMissing(TensorSource file, RnnSpec spec) {
        for (int layer = 0; layer < spec.layers(); layer++) {
            for (int dir = 0; dir < spec.directions(); dir++) {
                for (ParameterKind kind : ParameterKind.values()) {
                    if (spec.has(kind) && !file.has(Parameter.nameOf(kind, layer, dir))) {
                        return RnnParameters.describe(spec, kind, layer, dir);
                    }
                }
            }
        }
        throw new IllegalStateException("more tensors needed than held, yet none missing");
    }

    private static int integer(SafetensorsFile file, String key, int fallback) throws MalformedFileException {
        String v = file.metadata().get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new MalformedFileException(file.source() + ": metadata " + key + " = '" + v + "' is not an integer");
        }
    }

    private static float number(SafetensorsFile file, String key, float fallback) throws MalformedFileException {
        String v = file.metadata().get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Float.parseFloat(v.trim());
        } catch (NumberFormatException e) {
            throw new MalformedFileException(file.source() + ": metadata " + key + " = '" + v + "' is not a number");
        }
    }

    private static boolean bool(SafetensorsFile file, String key, boolean fallback) throws MalformedFileException {
        String v = file.metadata().get(key);
        if (v == null) {
            return fallback;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw new MalformedFileException(file.source() + ": metadata " + key + " = '" + v
                    + "' is not a boolean (True/False/1/0)");
        };
    }

    private static String pythonBool(boolean b) {
        return b ? "True" : "False";
    }
}
