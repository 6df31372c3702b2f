package dev.rnn4j.onnx;

import static dev.rnn4j.onnx.OnnxModelErrorsTest.rnn;
import static dev.rnn4j.onnx.OnnxModelErrorsTest.stringAttr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.onnx.proto.OnnxSubset.NodeProto;
import dev.rnn4j.onnx.proto.OnnxSubset.ValueInfoProto;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A one-node graph's weights for a session: the layer they make computes what the graph computes. */
class OnnxRecurrentWeightsTest {


    /**
     * Every fixture whose graph inputs are X and weights only (its run then needs nothing a session does not
     * give): the layer built from its weights computes its first output.
     */
    @Test
    void aOneNodeGraphsWeightsMakeTheLayerTheGraphRuns() throws Exception {
        int checked = 0;
        for (String line : Files.readAllLines(OnnxModelFixturesTest.dir().resolve("index.txt"))) {
            String name = line.trim();
            if (name.isEmpty() || name.startsWith("#")) {
                continue;
            }
            OnnxModel m = OnnxModel.read(OnnxModelFixturesTest.dir().resolve(name + ".onnx"));
            if (!Set.of("X", "W", "R", "B", "P").containsAll(m.inputNames())) {
                continue;
            }
            SafetensorsFile io = SafetensorsFile.read(OnnxModelFixturesTest.dir().resolve(name + ".io.safetensors"));
            Map<String, OnnxTensor> weights = new HashMap<>();
            for (String input : m.inputNames()) {
                if (!input.equals("X")) {
                    weights.put(input, OnnxTensor.read(io, input));
                }
            }
            RnnParameters w;
            try {
                w = m.recurrentWeights(weights);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().contains("reverse only"), name + ": " + e.getMessage());
                continue;
            }
            int steps = 3;
            int in = w.spec().inputSize();
            float[] x = new float[steps * in];
            Random r = new Random(2);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            try (Backend b = new ReferenceBackendProvider().open(BackendOptions.defaults());
                 RecurrentLayer layer = RecurrentLayer.create(b, w.spec(), w)) {
                Map<String, OnnxTensor> feeds = new HashMap<>(weights);
                // Batch 1: [T, 1, I] and the batch-major [1, T, I] (layout 1, as the fixtures' names say) are the
                // same floats, and so are the outputs either way.
                boolean batchMajor = name.contains("batchwise") || name.contains("layout1");
                feeds.put("X", batchMajor ? OnnxTensor.ofFloats(x, 1, steps, in) : OnnxTensor.ofFloats(x, steps, 1, in));
                Map<String, OnnxTensor> want = m.run(b, feeds);
                RnnOutput got = layer.forward(RnnInput.sequenceMajor(x, steps, 1));
                for (Map.Entry<String, OnnxTensor> e : want.entrySet()) {
                    // The node's outputs by position: Y [T, D, 1, H] and Y_h [D, 1, H] hold rnn4j's floats in order.
                    float[] mine = e.getKey().equals(m.outputNames().get(0)) && e.getValue().shape().length == 4
                            ? got.output() : got.hN();
                    assertArrayEquals(e.getValue().floats(e.getKey()), mine, 1e-6f, name + " " + e.getKey());
                }
                checked++;
            }
        }
        assertTrue(checked >= 3, "fixtures checked: " + checked);
    }

    @Test
    void otherGraphsAreRefusedWithWhy() throws Exception {
        String two = assertThrows(IllegalArgumentException.class, () -> OnnxModel.parse(rnn(n -> n,
                g -> g.addNode(NodeProto.newBuilder().setOpType("RNN").setName("second").addInput("Y")
                        .addInput("W").addInput("R").addOutput("Y2"))).toByteArray(), "m.onnx")
                .recurrentWeights()).getMessage();
        assertTrue(two.contains("holds 2 recurrent nodes"), two);
        String reverse = assertThrows(IllegalArgumentException.class, () -> OnnxModel.parse(rnn(
                n -> n.addAttribute(stringAttr("direction", "reverse")), g -> g).toByteArray(), "m.onnx")
                .recurrentWeights()).getMessage();
        assertTrue(reverse.contains("reverse only"), reverse);
        String runtime = assertThrows(IllegalArgumentException.class, () -> OnnxModel.parse(rnn(n -> n,
                g -> g.removeInitializer(1).addInput(ValueInfoProto.newBuilder().setName("R"))).toByteArray(),
                "m.onnx").recurrentWeights()).getMessage();
        assertTrue(runtime.contains("takes 'R' at run time; give it to recurrentWeights(given)"), runtime);
    }
}
