package dev.rnn4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnnxShapeOperatorsTest {
    static OnnxTensor iota(long... shape) {
        float[] v = new float[(int) OnnxTensor.elements(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        return OnnxTensor.ofFloats(v, shape);
    }

    static OnnxTensor eval(String op, long opset, Map<String, Object> attrs, OnnxTensor... args) {
        return OnnxShapeOperators.evaluate(op, op, opset, new OnnxAttributes(op, attrs), Arrays.asList(args));
    }

    @Test
    void transposeMovesValues() {
        OnnxTensor t = eval("Transpose", 14, Map.of("perm", new long[] {1, 0, 2}), iota(2, 3, 2));
        assertArrayEquals(new long[] {3, 2, 2}, t.shape());
        assertArrayEquals(new float[] {0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11}, t.floats("t"));
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, eval("Transpose", 14, Map.of(), iota(2, 3)).floats("t"));
    }

    @Test
    void reshapeSqueezeUnsqueezeAndConcat() {
        OnnxTensor r = eval("Reshape", 14, Map.of(), iota(2, 3, 4), OnnxTensor.ofInts(new long[] {0, -1}, 2));
        assertArrayEquals(new long[] {2, 12}, r.shape());
        assertArrayEquals(new long[] {2, 4}, eval("Squeeze", 14, Map.of(), iota(2, 1, 4),
                OnnxTensor.ofInts(new long[] {1}, 1)).shape());
        assertArrayEquals(new long[] {2, 4}, eval("Squeeze", 11, Map.of("axes", new long[] {-2}), iota(2, 1, 4))
                .shape());
        assertArrayEquals(new long[] {4}, eval("Squeeze", 14, Map.of(), iota(1, 4, 1)).shape());
        assertArrayEquals(new long[] {1, 2, 1, 4}, eval("Unsqueeze", 14, Map.of(), iota(2, 4),
                OnnxTensor.ofInts(new long[] {0, 2}, 2)).shape());
        OnnxTensor c = eval("Concat", 14, Map.of("axis", -1L), iota(2, 1), iota(2, 2));
        assertArrayEquals(new long[] {2, 3}, c.shape());
        assertArrayEquals(new float[] {0, 0, 1, 1, 2, 3}, c.floats("c"));
    }

    @Test
    void errorsSayWhy() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> eval("Squeeze", 14, Map.of(), iota(2, 3),
                OnnxTensor.ofInts(new long[] {0}, 1))).getMessage().contains("cannot squeeze axis 0 of shape [2, 3]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> eval("Reshape", 14, Map.of(), iota(2, 3),
                OnnxTensor.ofInts(new long[] {4, -1}, 2))).getMessage().contains("cannot reshape [2, 3] to [4, -1]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> eval("Transpose", 14,
                Map.of("perm", new long[] {0, 0}), iota(2, 3))).getMessage().contains("is not a permutation"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> eval("Unsqueeze", 14, Map.of(), iota(2)))
                .getMessage().contains("axes are required"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> eval("Concat", 14, Map.of(), iota(2)))
                .getMessage().contains("attribute axis is required"));
        assertTrue(List.of(assertThrows(IllegalArgumentException.class, () -> eval("Concat", 14, Map.of("axis", 0L),
                iota(2, 1), iota(2, 2))).getMessage()).get(0).contains("differ outside axis 0"));
    }
}
