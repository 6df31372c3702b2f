package dev.rnn4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.io.MalformedFileException;
import dev.rnn4j.onnx.proto.OnnxSubset.AttributeProto.AttributeType;
import dev.rnn4j.onnx.proto.OnnxSubset.AttributeProto;
import dev.rnn4j.onnx.proto.OnnxSubset.GraphProto;
import dev.rnn4j.onnx.proto.OnnxSubset.ModelProto;
import dev.rnn4j.onnx.proto.OnnxSubset.NodeProto;
import dev.rnn4j.onnx.proto.OnnxSubset.OperatorSetIdProto;
import dev.rnn4j.onnx.proto.OnnxSubset.StringStringEntryProto;
import dev.rnn4j.onnx.proto.OnnxSubset.TensorProto;
import dev.rnn4j.onnx.proto.OnnxSubset.ValueInfoProto;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Models rnn4j cannot evaluate, and inputs it cannot take, fail with messages that say what and where. */
class OnnxModelErrorsTest {

    static TensorProto floats(String name, float[] v, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float f : v) {
            t.addFloatData(f);
        }
        return t.build();
    }

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(v).build();
    }

    static AttributeProto stringAttr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING).setS(ByteString.copyFromUtf8(v))
                .build();
    }

    /** An RNN with I = 2, H = 3 (W, R initializers), X and sequence_lens as graph inputs; tweak the node. */
    static ModelProto rnn(java.util.function.UnaryOperator<NodeProto.Builder> node,
                          java.util.function.UnaryOperator<GraphProto.Builder> graph) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType("RNN").setName("rnn").addInput("X").addInput("W")
                .addInput("R").addInput("").addInput("lens").addOutput("Y").addOutput("Y_h")
                .addAttribute(intAttr("hidden_size", 3));
        GraphProto.Builder g = GraphProto.newBuilder().setName("g")
                .addNode(node.apply(n))
                .addInitializer(floats("W", new float[6], 1, 3, 2))
                .addInitializer(floats("R", new float[9], 1, 3, 3))
                .addInput(ValueInfoProto.newBuilder().setName("X"))
                .addInput(ValueInfoProto.newBuilder().setName("lens"))
                .addOutput(ValueInfoProto.newBuilder().setName("Y"));
        return ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(14))
                .setGraph(graph.apply(g)).build();
    }

    static String parseError(ModelProto m) {
        return assertThrows(MalformedFileException.class, () -> OnnxModel.parse(m.toByteArray(), "m.onnx"))
                .getMessage();
    }

    static String runError(ModelProto m, Map<String, OnnxTensor> feeds) throws Exception {
        OnnxModel model = OnnxModel.parse(m.toByteArray(), "m.onnx");
        try (Backend b = new ReferenceBackendProvider().open(BackendOptions.defaults())) {
            return assertThrows(IllegalArgumentException.class, () -> model.run(b, feeds)).getMessage();
        }
    }

    static Map<String, OnnxTensor> feeds(long... lens) {
        return Map.of("X", OnnxTensor.ofFloats(new float[4 * lens.length], 2, lens.length, 2),
                "lens", OnnxTensor.ofInts(lens, lens.length));
    }

    @Test
    void aValidModelRuns() throws Exception {
        OnnxModel model = OnnxModel.parse(rnn(n -> n, g -> g).toByteArray(), "m.onnx");
        assertEquals(List.of("X", "lens"), model.inputNames());
        try (Backend b = new ReferenceBackendProvider().open(BackendOptions.defaults())) {
            OnnxTensor y = model.run(b, feeds(2, 1)).get("Y");
            assertEquals(List.of(2L, 1L, 2L, 3L), java.util.Arrays.stream(y.shape()).boxed().toList());
        }
    }

    /** A sparse file over 2 GiB is refused by its size, before anything is read or allocated. */
    @Test
    void filesOverProtobufsLimitAreRefusedBySize(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path big = dir.resolve("big.onnx");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(OnnxModel.MAX_MODEL_BYTES + 1);
        }
        String m = assertThrows(MalformedFileException.class, () -> OnnxModel.read(big)).getMessage();
        assertTrue(m.contains("2147483648 bytes; an ONNX model in one file holds at most 2147483647"), m);
    }

    @Test
    void fileLevelProblems() {
        assertTrue(assertThrows(MalformedFileException.class, () -> OnnxModel.parse(new byte[] {1, 2, 3}, "m.onnx"))
                .getMessage().startsWith("m.onnx: not an ONNX model"));
        assertEquals("m.onnx: the model has no graph", parseError(ModelProto.newBuilder().setIrVersion(8).build()));
        assertTrue(parseError(rnn(n -> n.setOpType("Gemm"), g -> g)).contains(
                "Gemm node 'rnn' (first output 'Y') is not evaluated by rnn4j; its graphs may hold Concat, GRU, "
                        + "Identity, LSTM, RNN, Reshape, Squeeze, Transpose, Unsqueeze"));
        assertTrue(parseError(rnn(n -> n.setDomain("com.microsoft"), g -> g)).contains("is in domain 'com.microsoft'"));
        assertTrue(parseError(rnn(n -> n.setInput(0, "nothing"), g -> g)).contains("reads 'nothing', which no earlier"));
        assertTrue(parseError(rnn(n -> n, g -> g.setInitializer(0, g.getInitializer(0).toBuilder()
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin")))))
                .contains("tensor 'W' keeps its data in an external file"));
        assertTrue(parseError(rnn(n -> n, g -> g.setInitializer(0, g.getInitializer(0).toBuilder().setDataType(10))))
                .contains("tensor 'W' has element type 10 (FLOAT16); rnn4j reads FLOAT, DOUBLE, INT32 and INT64"));
        assertTrue(parseError(rnn(n -> n, g -> g.setInitializer(0, floats("W", new float[5], 1, 3, 2))))
                .contains("tensor 'W' of shape [1, 3, 2] holds 5 values; expected 6"));
        assertTrue(parseError(rnn(n -> n, g -> g.addOutput(ValueInfoProto.newBuilder().setName("ghost"))))
                .contains("graph output 'ghost' is produced by nothing"));
    }

    @Test
    void nodeLevelProblemsNameTheNode() throws Exception {
        assertTrue(runError(rnn(n -> n.addAttribute(intAttr("input_forget", 1)), g -> g), feeds(2))
                .contains("RNN node 'rnn' (first output 'Y'): attribute 'input_forget' is not one of RNN's"));
        assertTrue(runError(rnn(n -> n.setAttribute(0, intAttr("hidden_size", 4)), g -> g), feeds(2))
                .contains("hidden_size = 4 but W and R hold 3"));
        assertTrue(runError(rnn(n -> n.addAttribute(stringAttr("direction", "sideways")), g -> g), feeds(2))
                .contains("direction must be forward, reverse or bidirectional, got 'sideways'"));
        assertTrue(runError(rnn(n -> n.addAttribute(stringAttr("direction", "bidirectional")), g -> g), feeds(2))
                .contains("must be [num_directions=2"));
        assertTrue(runError(rnn(n -> n.addAttribute(AttributeProto.newBuilder().setName("activations")
                .setType(AttributeType.STRINGS).addStrings(ByteString.copyFromUtf8("Tanh"))
                .addStrings(ByteString.copyFromUtf8("Tanh"))), g -> g), feeds(2))
                .contains("activations lists 2 functions; RNN with direction forward takes 1"));
        assertTrue(runError(rnn(n -> n.addAttribute(AttributeProto.newBuilder().setName("clip")
                .setType(AttributeType.FLOAT).setF(-1f)), g -> g), feeds(2)).contains("clip must be a finite value > 0"));
        assertTrue(runError(rnn(n -> n.addAttribute(intAttr("clip", 2)), g -> g), feeds(2))
                .contains("attribute 'clip' must be a FLOAT, got an INT"));
        assertTrue(runError(rnn(n -> n, g -> g), feeds(2, 0))
                .contains("sequence_lens[1] = 0 is out of range 1..2 (rnn4j needs every sequence to have at least one"));
        assertTrue(runError(rnn(n -> n, g -> g), Map.of("X", OnnxTensor.ofFloats(new float[6], 1, 2, 3),
                "lens", OnnxTensor.ofInts(new long[] {1, 1}, 2))).contains("X has shape [1, 2, 3]; expected "
                + "[seq_length, batch_size, 2]"));
        assertTrue(runError(rnn(n -> n, g -> g), Map.of("X", OnnxTensor.ofFloats(new float[4], 2, 1, 2)))
                .contains("graph input 'lens' was not given (inputs: [X, lens])"));
        assertTrue(runError(rnn(n -> n, g -> g), Map.of("X", OnnxTensor.ofFloats(new float[4], 2, 1, 2),
                "lens", OnnxTensor.ofFloats(new float[] {2}, 1))).contains("sequence_lens must be an integer tensor"));
    }
}
