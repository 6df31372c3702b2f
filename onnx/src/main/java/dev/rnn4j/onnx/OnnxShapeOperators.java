package dev.rnn4j.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The layout operators that sit between recurrent nodes in exported graphs (ONNX's definitions, opsets 7 to 21):
 * Identity; Squeeze and Unsqueeze (axes as an attribute before opset 13, as an input from 13); Transpose; Reshape
 * (0 copies a dimension unless {@code allowzero}, −1 is inferred); Concat. They move values, never change them,
 * for floating-point and integer tensors alike.
 */
final class OnnxShapeOperators {
    private OnnxShapeOperators() {
    }

    static OnnxTensor evaluate(String what, String op, long opset, OnnxAttributes a, List<OnnxTensor> args) {
        try {
            OnnxTensor x = args.isEmpty() ? null : args.get(0);
            if (x == null) {
                throw new IllegalArgumentException("its first input is required");
            }
            return switch (op) {
                case "Identity" -> x;
                case "Squeeze" -> squeeze(x, axes(a, args, opset, false));
                case "Unsqueeze" -> unsqueeze(x, axes(a, args, opset, true));
                case "Transpose" -> transpose(x, a.ints("perm"));
                case "Reshape" -> reshape(x, second(args, "shape").ints("shape"), a.integer("allowzero", 0) == 1);
                case "Concat" -> concat(args, a);
                default -> throw new IllegalArgumentException("not a layout operator");
            };
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    private static OnnxTensor second(List<OnnxTensor> args, String name) {
        if (args.size() < 2 || args.get(1) == null) {
            throw new IllegalArgumentException("input '" + name + "' is required");
        }
        return args.get(1);
    }

    /** The axes: an attribute before opset 13, the second input from 13; null when absent (Squeeze: all 1s). */
    private static long[] axes(OnnxAttributes a, List<OnnxTensor> args, long opset, boolean required) {
        long[] axes = opset < 13 ? a.ints("axes") : (args.size() > 1 && args.get(1) != null
                ? args.get(1).ints("axes") : null);
        if (axes == null && required) {
            throw new IllegalArgumentException("axes are required");
        }
        return axes;
    }

    private static int axis(long axis, int rank) {
        long v = axis < 0 ? axis + rank : axis;
        if (v < 0 || v >= rank) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) v;
    }

    static OnnxTensor squeeze(OnnxTensor x, long[] axes) {
        long[] shape = x.shape();
        boolean[] drop = new boolean[shape.length];
        if (axes == null) {
            for (int i = 0; i < shape.length; i++) {
                drop[i] = shape[i] == 1;
            }
        } else {
            for (long ax : axes) {
                int i = axis(ax, shape.length);
                if (shape[i] != 1) {
                    throw new IllegalArgumentException("cannot squeeze axis " + ax + " of shape "
                            + Arrays.toString(shape) + ": its size is " + shape[i]);
                }
                drop[i] = true;
            }
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < shape.length; i++) {
            if (!drop[i]) {
                out.add(shape[i]);
            }
        }
        return x.reshaped(out.stream().mapToLong(Long::longValue).toArray());
    }

    static OnnxTensor unsqueeze(OnnxTensor x, long[] axes) {
        int rank = x.rank() + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long ax : axes) {
            int i = axis(ax, rank);
            if (inserted[i]) {
                throw new IllegalArgumentException("axis " + ax + " is given twice");
            }
            inserted[i] = true;
        }
        long[] shape = new long[rank];
        int from = 0;
        for (int i = 0; i < rank; i++) {
            shape[i] = inserted[i] ? 1 : x.dim(from++);
        }
        return x.reshaped(shape);
    }

    static OnnxTensor reshape(OnnxTensor x, long[] target, boolean allowZero) {
        long[] shape = target.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0 && !allowZero) {
                if (i >= x.rank()) {
                    throw new IllegalArgumentException("shape " + Arrays.toString(target) + " copies dimension " + i
                            + " of a rank-" + x.rank() + " input");
                }
                shape[i] = x.dim(i);
            }
            if (shape[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("shape " + Arrays.toString(target) + " has more than one -1");
                }
                infer = i;
            } else if (shape[i] < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(target) + " has a negative dimension");
            } else {
                known = Math.multiplyExact(known, shape[i]);
            }
        }
        long total = OnnxTensor.elements(x.shape());
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(x.shape()) + " to "
                        + Arrays.toString(target));
            }
            shape[infer] = total / known;
        }
        if (OnnxTensor.elements(shape) != total) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(x.shape()) + " ("
                    + total + " values) to " + Arrays.toString(target));
        }
        return x.reshaped(shape);
    }

    static OnnxTensor transpose(OnnxTensor x, long[] perm) {
        int rank = x.rank();
        int[] p = new int[rank];
        if (perm == null) {
            for (int i = 0; i < rank; i++) {
                p[i] = rank - 1 - i;
            }
        } else {
            if (perm.length != rank) {
                throw new IllegalArgumentException("perm " + Arrays.toString(perm) + " does not match rank " + rank);
            }
            boolean[] seen = new boolean[rank];
            for (int i = 0; i < rank; i++) {
                p[i] = axis(perm[i], rank);
                if (seen[p[i]]) {
                    throw new IllegalArgumentException("perm " + Arrays.toString(perm) + " is not a permutation");
                }
                seen[p[i]] = true;
            }
        }
        long[] in = x.shape();
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            out[i] = in[p[i]];
        }
        long[] inStride = strides(in);
        int n = Math.toIntExact(OnnxTensor.elements(in));
        int[] srcIndex = new int[n];
        int[] idx = new int[rank];
        for (int k = 0; k < n; k++) {
            long src = 0;
            for (int i = 0; i < rank; i++) {
                src += idx[i] * inStride[p[i]];
            }
            srcIndex[k] = (int) src;
            for (int i = rank - 1; i >= 0; i--) { // next output index, row-major
                if (++idx[i] < out[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
        if (x.isFloat()) {
            float[] v = x.floats("input");
            float[] r = new float[n];
            for (int k = 0; k < n; k++) {
                r[k] = v[srcIndex[k]];
            }
            return OnnxTensor.ofFloats(r, out);
        }
        long[] v = x.ints("input");
        long[] r = new long[n];
        for (int k = 0; k < n; k++) {
            r[k] = v[srcIndex[k]];
        }
        return OnnxTensor.ofInts(r, out);
    }

    static OnnxTensor concat(List<OnnxTensor> args, OnnxAttributes a) {
        if (!a.has("axis")) {
            throw new IllegalArgumentException("attribute axis is required");
        }
        OnnxTensor first = args.get(0);
        int rank = first.rank();
        int ax = axis(a.integer("axis", 0), rank);
        long[] shape = first.shape();
        long total = 0;
        for (OnnxTensor t : args) {
            if (t == null || t.rank() != rank || t.isFloat() != first.isFloat()) {
                throw new IllegalArgumentException("inputs must all be given, of rank " + rank + " and one kind");
            }
            for (int i = 0; i < rank; i++) {
                if (i != ax && t.dim(i) != shape[i]) {
                    throw new IllegalArgumentException("input shapes " + Arrays.toString(shape) + " and "
                            + Arrays.toString(t.shape()) + " differ outside axis " + ax);
                }
            }
            total += t.dim(ax);
        }
        shape[ax] = total;
        long outer = 1;
        for (int i = 0; i < ax; i++) {
            outer *= shape[i];
        }
        long inner = 1;
        for (int i = ax + 1; i < rank; i++) {
            inner *= shape[i];
        }
        int n = Math.toIntExact(OnnxTensor.elements(shape));
        float[] fv = first.isFloat() ? new float[n] : null;
        long[] iv = first.isFloat() ? null : new long[n];
        int pos = 0;
        for (long o = 0; o < outer; o++) {
            for (OnnxTensor t : args) {
                int block = (int) (t.dim(ax) * inner);
                int from = (int) (o * block);
                if (fv != null) {
                    System.arraycopy(t.floats("input"), from, fv, pos, block);
                } else {
                    System.arraycopy(t.ints("input"), from, iv, pos, block);
                }
                pos += block;
            }
        }
        return fv != null ? OnnxTensor.ofFloats(fv, shape) : OnnxTensor.ofInts(iv, shape);
    }

    private static long[] strides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }
}
