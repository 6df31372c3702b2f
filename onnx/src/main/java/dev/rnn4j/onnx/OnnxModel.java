package dev.rnn4j.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.rnn4j.Backend;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.io.MalformedFileException;
import dev.rnn4j.onnx.proto.OnnxSubset.AttributeProto;
import dev.rnn4j.onnx.proto.OnnxSubset.GraphProto;
import dev.rnn4j.onnx.proto.OnnxSubset.ModelProto;
import dev.rnn4j.onnx.proto.OnnxSubset.NodeProto;
import dev.rnn4j.onnx.proto.OnnxSubset.OperatorSetIdProto;
import dev.rnn4j.onnx.proto.OnnxSubset.TensorProto;
import dev.rnn4j.onnx.proto.OnnxSubset.ValueInfoProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX model whose graph rnn4j can evaluate: {@code RNN}, {@code LSTM} and {@code GRU} nodes (see
 * {@link OnnxRecurrentNode}) joined by the layout operators stacked exports use ({@link OnnxShapeOperators}:
 * Identity, Squeeze, Unsqueeze, Transpose, Reshape, Concat). Weights may be initializers or graph inputs. Reading
 * checks the whole graph before anything runs: an unsupported operator or domain, external tensor data or an
 * unsupported element type is an error naming the node or tensor.
 */
public final class OnnxModel {
    /** The largest model file {@link #read} takes: protobuf's 2 GiB limit on one message. */
    public static final long MAX_MODEL_BYTES = Integer.MAX_VALUE;
    /** Operators of the default domain this class evaluates. */
    public static final Set<String> OPERATORS = Set.of("RNN", "LSTM", "GRU", "Identity", "Squeeze", "Unsqueeze",
            "Transpose", "Reshape", "Concat");
    /** The recurrent operators among them. */
    private static final Set<String> RECURRENT = Set.of("RNN", "LSTM", "GRU");

    private final String source;
    private final long opset;
    private final List<NodeProto> nodes;
    private final Map<String, OnnxTensor> initializers;
    private final List<String> inputs;
    private final List<String> outputs;

    private OnnxModel(String source, long opset, List<NodeProto> nodes, Map<String, OnnxTensor> initializers,
                      List<String> inputs, List<String> outputs) {
        this.source = source;
        this.opset = opset;
        this.nodes = nodes;
        this.initializers = initializers;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    /** Reads and checks a {@code .onnx} file. */
    public static OnnxModel read(Path path) throws IOException {
        long size = Files.size(path);
        if (size > MAX_MODEL_BYTES) {
            // Protocol buffers cap a message at 2 GiB; ONNX keeps larger weights in external data files.
            throw new MalformedFileException(path + ": " + size + " bytes; an ONNX model in one file holds at most "
                    + MAX_MODEL_BYTES + " (2 GiB, protobuf's limit), and models with external data are not supported");
        }
        return parse(Files.readAllBytes(path), path.toString());
    }

    /** Parses and checks a serialized ModelProto; {@code source} names it in messages. */
    public static OnnxModel parse(byte[] bytes, String source) throws MalformedFileException {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedFileException(source + ": not an ONNX model (" + e.getMessage() + ")");
        }
        if (!model.hasGraph()) {
            throw new MalformedFileException(source + ": the model has no graph");
        }
        long opset = -1;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = o.getVersion();
            }
        }
        if (opset < 0) {
            throw new MalformedFileException(source + ": the model imports no opset of the default ONNX domain");
        }
        GraphProto g = model.getGraph();
        Map<String, OnnxTensor> init = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            init.put(t.getName(), tensor(t, source));
        }
        List<String> in = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!init.containsKey(v.getName())) { // older exports list initializers as inputs too
                in.add(v.getName());
            }
        }
        List<String> out = new ArrayList<>();
        for (ValueInfoProto v : g.getOutputList()) {
            out.add(v.getName());
        }
        Set<String> known = new LinkedHashSet<>(init.keySet());
        known.addAll(in);
        for (NodeProto n : g.getNodeList()) {
            String what = describe(n);
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                throw new MalformedFileException(source + ": " + what + " is in domain '" + n.getDomain()
                        + "'; rnn4j evaluates only the default ONNX domain");
            }
            if (!OPERATORS.contains(n.getOpType())) {
                throw new MalformedFileException(source + ": " + what + " is not evaluated by rnn4j; its graphs may "
                        + "hold " + String.join(", ", new java.util.TreeSet<>(OPERATORS)));
            }
            for (String i : n.getInputList()) {
                if (!i.isEmpty() && !known.contains(i)) {
                    throw new MalformedFileException(source + ": " + what + " reads '" + i + "', which no earlier node,"
                            + " initializer or graph input provides (nodes must be in topological order)");
                }
            }
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasRefAttrName()) {
                    throw new MalformedFileException(source + ": " + what + " attribute '" + a.getName()
                            + "' refers to a function attribute; rnn4j reads no functions");
                }
            }
            known.addAll(n.getOutputList());
        }
        for (String o : out) {
            if (!known.contains(o)) {
                throw new MalformedFileException(source + ": graph output '" + o + "' is produced by nothing");
            }
        }
        return new OnnxModel(source, opset, List.copyOf(g.getNodeList()), init, List.copyOf(in), List.copyOf(out));
    }

    /**
     * The weights of a graph that is one recurrent layer: a single {@code RNN}, {@code LSTM} or {@code GRU} node
     * (forward or bidirectional) whose {@code X} is a graph input and whose weights are initializers. What an
     * inference session is built from, so that the weights are uploaded once rather than with every {@link #run}.
     *
     * @throws IllegalArgumentException naming what makes the graph something else (several recurrent nodes, a
     *                                  reverse-only direction, weights fed at run time)
     */
    public RnnParameters recurrentWeights() {
        return recurrentWeights(Map.of());
    }

    /**
     * {@link #recurrentWeights()} for a graph whose weights are graph inputs (as ONNX's own test models have them):
     * {@code given} holds those inputs by name.
     */
    public RnnParameters recurrentWeights(Map<String, OnnxTensor> given) {
        NodeProto node = null;
        int recurrent = 0;
        for (NodeProto n : nodes) {
            if (RECURRENT.contains(n.getOpType())) {
                node = n;
                recurrent++;
            }
        }
        if (recurrent != 1) {
            throw new IllegalArgumentException(source + ": the graph holds " + recurrent + " recurrent nodes; only a "
                    + "graph of one RNN, LSTM or GRU node gives one layer's weights (a stacked model can be saved as "
                    + "an rnn4j model file instead)");
        }
        String what = source + ": " + describe(node);
        if (node.getInputCount() < 3 || !inputs.contains(node.getInput(0))) {
            throw new IllegalArgumentException(what + " does not read a graph input as its X");
        }
        int[] weightInputs = {1, 2, 3, 7};
        for (int i : weightInputs) {
            String name = i < node.getInputCount() ? node.getInput(i) : "";
            if (!name.isEmpty() && !initializers.containsKey(name) && !given.containsKey(name)) {
                throw new IllegalArgumentException(what + " takes '" + name + "' at run time; give it to "
                        + "recurrentWeights(given), or make the weights initializers");
            }
        }
        List<OnnxTensor> args = new ArrayList<>();
        for (String i : node.getInputList()) {
            args.add(i.isEmpty() ? null : initializers.getOrDefault(i, given.get(i)));
        }
        OnnxRecurrentNode r = OnnxRecurrentNode.create(what, node.getOpType(), attributes(node, what), arg(args, 1),
                arg(args, 2), arg(args, 3), arg(args, 7));
        if (r.reverseOnly()) {
            throw new IllegalArgumentException(what + " runs in reverse only; a session's layer runs forward (or both "
                    + "ways)");
        }
        return r.weights();
    }

    /** The graph's inputs that are not initializers: what {@link #run} needs, by name. */
    public List<String> inputNames() {
        return inputs;
    }

    /** The graph's outputs, by name. */
    public List<String> outputNames() {
        return outputs;
    }

    /** The default domain's opset version the model imports. */
    public long opset() {
        return opset;
    }

    /**
     * Evaluates the graph on {@code backend}: every graph input must be given (by name); the result holds every
     * graph output by name. Layers are created for the call and closed before it returns.
     *
     * @throws IllegalArgumentException naming the input or node that is wrong
     */
    public Map<String, OnnxTensor> run(Backend backend, Map<String, OnnxTensor> feeds) {
        Map<String, OnnxTensor> values = new HashMap<>(initializers);
        for (String name : inputs) {
            OnnxTensor t = feeds.get(name);
            if (t == null) {
                throw new IllegalArgumentException(source + ": graph input '" + name + "' was not given (inputs: "
                        + inputs + ")");
            }
            values.put(name, t);
        }
        for (String name : feeds.keySet()) {
            if (!inputs.contains(name)) {
                throw new IllegalArgumentException(source + ": '" + name + "' is not an input of the graph (inputs: "
                        + inputs + ")");
            }
        }
        for (NodeProto n : nodes) {
            List<OnnxTensor> args = new ArrayList<>();
            for (String i : n.getInputList()) {
                args.add(i.isEmpty() ? null : values.get(i));
            }
            List<OnnxTensor> results = evaluate(backend, n, args);
            for (int k = 0; k < n.getOutputCount(); k++) {
                String name = n.getOutput(k);
                if (name.isEmpty()) {
                    continue;
                }
                OnnxTensor r = k < results.size() ? results.get(k) : null;
                if (r == null) {
                    throw new IllegalArgumentException(source + ": " + describe(n) + " has no output " + k + " ('"
                            + name + "')");
                }
                values.put(name, r);
            }
        }
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        for (String o : outputs) {
            out.put(o, values.get(o));
        }
        return out;
    }

    private List<OnnxTensor> evaluate(Backend backend, NodeProto n, List<OnnxTensor> args) {
        String what = source + ": " + describe(n);
        OnnxAttributes a = attributes(n, what);
        return switch (n.getOpType()) {
            case "RNN", "LSTM", "GRU" -> {
                OnnxRecurrentNode node = OnnxRecurrentNode.create(what, n.getOpType(), a, arg(args, 1), arg(args, 2),
                        arg(args, 3), arg(args, 7));
                try (RecurrentLayer layer = node.open(backend)) {
                    OnnxRecurrentNode.Outputs o = node.run(layer, arg(args, 0), arg(args, 4), arg(args, 5),
                            arg(args, 6));
                    List<OnnxTensor> r = new ArrayList<>();
                    r.add(o.y());
                    r.add(o.yH());
                    r.add(o.yC());
                    yield r;
                }
            }
            default -> List.of(OnnxShapeOperators.evaluate(what, n.getOpType(), opset, a, args));
        };
    }

    private static OnnxTensor arg(List<OnnxTensor> args, int i) {
        return i < args.size() ? args.get(i) : null;
    }

    private static String describe(NodeProto n) {
        return n.getOpType() + " node" + (n.getName().isEmpty() ? "" : " '" + n.getName() + "'")
                + (n.getOutputCount() > 0 ? " (first output '" + n.getOutput(0) + "')" : "");
    }

    private static OnnxAttributes attributes(NodeProto n, String what) {
        Map<String, Object> values = new HashMap<>();
        for (AttributeProto a : n.getAttributeList()) {
            Object v = switch (a.getType()) {
                case INT -> a.getI();
                case FLOAT -> a.getF();
                case STRING -> a.getS().toStringUtf8();
                case INTS -> a.getIntsList().stream().mapToLong(Long::longValue).toArray();
                case FLOATS -> {
                    float[] f = new float[a.getFloatsCount()];
                    for (int i = 0; i < f.length; i++) {
                        f[i] = a.getFloats(i);
                    }
                    yield f;
                }
                case STRINGS -> a.getStringsList().stream().map(ByteString::toStringUtf8).toList();
                default -> throw new IllegalArgumentException(what + ": attribute '" + a.getName() + "' is of type "
                        + a.getType() + ", which rnn4j does not read");
            };
            values.put(a.getName(), v);
        }
        return new OnnxAttributes(what, values);
    }

    /** A TensorProto's values: FLOAT and DOUBLE as float, INT32 and INT64 as integers; anything else refused. */
    static OnnxTensor tensor(TensorProto t, String source) throws MalformedFileException {
        String what = source + ": tensor '" + t.getName() + "'";
        if (t.getDataLocation() == 1 || t.getExternalDataCount() > 0) {
            throw new MalformedFileException(what + " keeps its data in an external file; rnn4j reads self-contained "
                    + "models (onnx.save(model, path, save_as_external_data=False))");
        }
        long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long n;
        try {
            n = OnnxTensor.elements(shape);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new MalformedFileException(what + ": " + e.getMessage());
        }
        ByteBuffer raw = t.hasRawData() ? t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN) : null;
        int type = t.getDataType();
        long have = switch (type) {
            case 1 -> raw != null ? raw.remaining() / 4 : t.getFloatDataCount();
            case 11 -> raw != null ? raw.remaining() / 8 : t.getDoubleDataCount();
            case 6 -> raw != null ? raw.remaining() / 4 : t.getInt32DataCount();
            case 7 -> raw != null ? raw.remaining() / 8 : t.getInt64DataCount();
            default -> throw new MalformedFileException(what + " has element type " + type + " (" + typeName(type)
                    + "); rnn4j reads FLOAT, DOUBLE, INT32 and INT64 tensors");
        };
        if (have != n) {
            throw new MalformedFileException(what + " of shape " + java.util.Arrays.toString(shape) + " holds " + have
                    + " values; expected " + n);
        }
        int count = (int) n;
        if (type == 1 || type == 11) {
            float[] v = new float[count];
            for (int i = 0; i < count; i++) {
                v[i] = type == 1 ? (raw != null ? raw.getFloat(4 * i) : t.getFloatData(i))
                        : (float) (raw != null ? raw.getDouble(8 * i) : t.getDoubleData(i));
            }
            return OnnxTensor.ofFloats(v, shape);
        }
        long[] v = new long[count];
        for (int i = 0; i < count; i++) {
            v[i] = type == 6 ? (raw != null ? raw.getInt(4 * i) : t.getInt32Data(i))
                    : (raw != null ? raw.getLong(8 * i) : t.getInt64Data(i));
        }
        return OnnxTensor.ofInts(v, shape);
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0 -> "UNDEFINED";
            case 2 -> "UINT8";
            case 3 -> "INT8";
            case 4 -> "UINT16";
            case 5 -> "INT16";
            case 8 -> "STRING";
            case 9 -> "BOOL";
            case 10 -> "FLOAT16";
            case 12 -> "UINT32";
            case 13 -> "UINT64";
            case 16 -> "BFLOAT16";
            default -> "type " + type;
        };
    }
}
