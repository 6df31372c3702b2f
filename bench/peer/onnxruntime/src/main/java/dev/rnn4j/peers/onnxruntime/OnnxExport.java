package dev.rnn4j.peers.onnxruntime;

import dev.rnn4j.CellType;
import dev.rnn4j.CellVariant;
import dev.rnn4j.ParameterKind;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.onnx.proto.OnnxSubset.AttributeProto;
import dev.rnn4j.onnx.proto.OnnxSubset.GraphProto;
import dev.rnn4j.onnx.proto.OnnxSubset.ModelProto;
import dev.rnn4j.onnx.proto.OnnxSubset.NodeProto;
import dev.rnn4j.onnx.proto.OnnxSubset.OperatorSetIdProto;
import dev.rnn4j.onnx.proto.OnnxSubset.TensorProto;
import dev.rnn4j.onnx.proto.OnnxSubset.TensorShapeProto;
import dev.rnn4j.onnx.proto.OnnxSubset.TypeProto;
import dev.rnn4j.onnx.proto.OnnxSubset.ValueInfoProto;

/**
 * An rnn4j model as an ONNX graph for the peer: one {@code LSTM}, {@code GRU} or {@code RNN} node per layer
 * (opset 14, forward, sequence-major, GRU {@code linear_before_reset = 1} as rnn4j computes it), the weights
 * reordered from PyTorch's gate order to ONNX's, each layer's {@code Y} squeezed to {@code [T, B, H]} for the
 * next. With states, every layer takes {@code h0_l} (and {@code c0_l}) and gives {@code hN_l} (and {@code cN_l}),
 * {@code [1, B, H]}: a stream's state in and out, as ONNX Runtime users keep it.
 */
final class OnnxExport {
    private static final int OPSET = 14;
    private static final int IR_VERSION = 8;

    private OnnxExport() {
    }

    /** ONNX's gate blocks, in its order, as indices of rnn4j's (PyTorch's) blocks. */
    private static int[] gateOrder(CellType cell) {
        return switch (cell) {
            case LSTM -> new int[] {0, 3, 1, 2}; // i, o, f, c from i, f, g, o
            case GRU -> new int[] {1, 0, 2}; // z, r, h from r, z, n
            case RNN_TANH, RNN_RELU -> new int[] {0};
        };
    }

    static ModelProto model(RnnParameters weights, boolean withStates) {
        RnnSpec s = weights.spec();
        if (s.bidirectional() || !s.variant().equals(CellVariant.NONE) || !s.bias()) {
            throw new IllegalArgumentException("the ONNX Runtime peer exports unidirectional cells with biases and "
                    + "no variant, got " + s);
        }
        int H = s.hiddenSize();
        GraphProto.Builder g = GraphProto.newBuilder().setName("rnn4j-serve-peer");
        g.addInput(valueInfo("X", -1, -1, s.inputSize()));
        g.addInitializer(TensorProto.newBuilder().setName("squeeze_axes").setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(1).addInt64Data(1));
        String x = "X";
        for (int l = 0; l < s.layers(); l++) {
            int in = s.layerInputSize(l);
            g.addInitializer(floats("W" + l, reorder(weights.get(ParameterKind.WEIGHT_IH, l, 0), s.cell(), H, in),
                    1, gates(s) * H, in));
            g.addInitializer(floats("R" + l, reorder(weights.get(ParameterKind.WEIGHT_HH, l, 0), s.cell(), H, H),
                    1, gates(s) * H, H));
            float[] wb = reorder(weights.get(ParameterKind.BIAS_IH, l, 0), s.cell(), H, 1);
            float[] rb = reorder(weights.get(ParameterKind.BIAS_HH, l, 0), s.cell(), H, 1);
            float[] b = new float[wb.length + rb.length];
            System.arraycopy(wb, 0, b, 0, wb.length);
            System.arraycopy(rb, 0, b, wb.length, rb.length);
            g.addInitializer(floats("B" + l, b, 1, b.length));
            NodeProto.Builder n = NodeProto.newBuilder().setName("layer" + l).setOpType(op(s.cell()))
                    .addInput(x).addInput("W" + l).addInput("R" + l).addInput("B" + l).addInput("")
                    .addAttribute(AttributeProto.newBuilder().setName("hidden_size").setI(H)
                            .setType(AttributeProto.AttributeType.INT));
            if (s.cell() == CellType.GRU) {
                n.addAttribute(AttributeProto.newBuilder().setName("linear_before_reset").setI(1)
                        .setType(AttributeProto.AttributeType.INT));
            }
            if (s.cell() == CellType.RNN_RELU) {
                n.addAttribute(AttributeProto.newBuilder().setName("activations")
                        .addStrings(com.google.protobuf.ByteString.copyFromUtf8("Relu"))
                        .setType(AttributeProto.AttributeType.STRINGS));
            }
            String y = "Y" + l;
            n.addOutput(y);
            if (withStates) {
                n.addInput("h0_" + l);
                g.addInput(valueInfo("h0_" + l, 1, -1, H));
                n.addOutput("hN_" + l);
                g.addOutput(valueInfo("hN_" + l, 1, -1, H));
                if (s.cell() == CellType.LSTM) {
                    n.addInput("c0_" + l);
                    g.addInput(valueInfo("c0_" + l, 1, -1, H));
                    n.addOutput("cN_" + l);
                    g.addOutput(valueInfo("cN_" + l, 1, -1, H));
                }
            }
            g.addNode(n);
            String squeezed = l == s.layers() - 1 ? "Y" : "X" + (l + 1);
            g.addNode(NodeProto.newBuilder().setName("squeeze" + l).setOpType("Squeeze").addInput(y)
                    .addInput("squeeze_axes").addOutput(squeezed));
            x = squeezed;
        }
        g.addOutput(valueInfo("Y", -1, -1, H));
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("rnn4j serve-bench")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET)).setGraph(g).build();
    }

    private static int gates(RnnSpec s) {
        return gateOrder(s.cell()).length;
    }

    private static String op(CellType cell) {
        return switch (cell) {
            case LSTM -> "LSTM";
            case GRU -> "GRU";
            case RNN_TANH, RNN_RELU -> "RNN";
        };
    }

    /** {@code [G·H, cols]} in PyTorch's gate order to ONNX's. */
    private static float[] reorder(float[] w, CellType cell, int hidden, int cols) {
        int[] order = gateOrder(cell);
        float[] out = new float[w.length];
        int block = hidden * cols;
        for (int gate = 0; gate < order.length; gate++) {
            System.arraycopy(w, order[gate] * block, out, gate * block, block);
        }
        return out;
    }

    private static TensorProto floats(String name, float[] values, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float v : values) {
            t.addFloatData(v);
        }
        return t.build();
    }

    /** A float tensor's type; -1 is a dimension named by the graph (any size). */
    private static ValueInfoProto valueInfo(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int i = 0; i < dims.length; i++) {
            shape.addDim(dims[i] < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam(name + "_d" + i)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(dims[i]));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }
}
