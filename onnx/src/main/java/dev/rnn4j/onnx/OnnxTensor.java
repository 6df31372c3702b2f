package dev.rnn4j.onnx;

import dev.rnn4j.io.DType;
import dev.rnn4j.io.MalformedFileException;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import java.util.Arrays;

/**
 * A host tensor as ONNX graphs pass them around: a shape and row-major values, either floating point (held as
 * float, what rnn4j computes in) or integer (held as long: sequence lengths, shapes, axes). Immutable by
 * convention: the arrays handed in and out are not copied, and nothing here writes them.
 */
public final class OnnxTensor {
    private final long[] shape;
    private final float[] floats;
    private final long[] ints;

    private OnnxTensor(long[] shape, float[] floats, long[] ints) {
        this.shape = shape.clone();
        this.floats = floats;
        this.ints = ints;
        long n = elements(this.shape);
        long have = floats != null ? floats.length : ints.length;
        if (n != have) {
            throw new IllegalArgumentException("a tensor of shape " + Arrays.toString(shape) + " holds " + n
                    + " values, got " + have);
        }
    }

    /** A floating-point tensor. */
    public static OnnxTensor ofFloats(float[] values, long... shape) {
        return new OnnxTensor(shape, values, null);
    }

    /** An integer tensor. */
    public static OnnxTensor ofInts(long[] values, long... shape) {
        return new OnnxTensor(shape, null, values);
    }

    /** The number of elements of a shape; negative dimensions are refused. */
    static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The shape (a copy). */
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    /** Whether the values are floating point. */
    public boolean isFloat() {
        return floats != null;
    }

    /** The floating-point values (live); an error naming {@code what} if the tensor holds integers. */
    public float[] floats(String what) {
        if (floats == null) {
            throw new IllegalArgumentException(what + " must be a floating-point tensor, got an integer one of shape "
                    + Arrays.toString(shape));
        }
        return floats;
    }

    /** The integer values (live); an error naming {@code what} if the tensor holds floating-point values. */
    public long[] ints(String what) {
        if (ints == null) {
            throw new IllegalArgumentException(what + " must be an integer tensor, got a floating-point one of shape "
                    + Arrays.toString(shape));
        }
        return ints;
    }

    /** The same values under another shape of as many elements. */
    public OnnxTensor reshaped(long... newShape) {
        return new OnnxTensor(newShape, floats, ints);
    }

    /** Checks the shape, naming the tensor and what was expected. */
    public OnnxTensor requireShape(String what, long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException(what + " has shape " + Arrays.toString(shape) + "; expected "
                    + Arrays.toString(expected));
        }
        return this;
    }

    /** Tensor {@code name} of a safetensors file: integer dtypes as integers, floating-point ones as float. */
    public static OnnxTensor read(SafetensorsFile file, String name) throws MalformedFileException {
        DType type = file.info(name).dtype();
        long[] shape = file.info(name).shape();
        boolean integer = switch (type) {
            case I8, U8, I16, U16, I32, U32, I64, U64 -> true;
            default -> false;
        };
        if (!integer) {
            return ofFloats(file.floats(name), shape);
        }
        int[] v = file.ints(name);
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return ofInts(out, shape);
    }

    /** Adds this tensor to a safetensors writer: F32, or I64 for integers. */
    public void writeTo(SafetensorsWriter w, String name) {
        if (floats != null) {
            w.addF32(name, floats, shape);
            return;
        }
        int[] v = new int[ints.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.toIntExact(ints[i]);
        }
        w.addI64(name, v, shape);
    }

    @Override
    public String toString() {
        return (floats != null ? "float" : "int") + Arrays.toString(shape);
    }
}
