package dev.rnn4j.spark;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One array column of floats or doubles, read from Spark's internal rows into {@code float}s: an array of floats in
 * Spark's packed (unsafe) form is copied in bulk, not a value at a time. A null array, or a null among the values,
 * is refused; a null would otherwise read as 0.
 */
final class SequenceColumn implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final int index;
    private final boolean doubles;

    private SequenceColumn(String name, int index, boolean doubles) {
        this.name = name;
        this.index = index;
        this.doubles = doubles;
    }

    /**
     * Column {@code name} of {@code schema}, which must be an array of floats or doubles.
     *
     * @param role what the column is for, in messages: "input column", ...
     */
    static SequenceColumn of(StructType schema, String name, String role) {
        java.util.List<String> names = java.util.List.of(schema.fieldNames());
        if (!names.contains(name)) {
            throw new IllegalArgumentException("no " + role + " '" + name + "' among " + names);
        }
        DataType type = schema.apply(name).dataType();
        if (!(type instanceof ArrayType a) || !(a.elementType().equals(DataTypes.FloatType)
                || a.elementType().equals(DataTypes.DoubleType))) {
            throw new IllegalArgumentException(role + " '" + name + "' is " + type.simpleString()
                    + "; expected array<float> or array<double>");
        }
        return new SequenceColumn(name, schema.fieldIndex(name), a.elementType().equals(DataTypes.DoubleType));
    }

    /**
     * The row's array in this column, checked: present, and no null among its values. The values are checked
     * whatever the schema says of nulls; for a packed array that reads a word of null bits per 64 values.
     */
    ArrayData array(InternalRow row) {
        if (row.isNullAt(index)) {
            throw new IllegalArgumentException("a row has no value (null) in column '" + name + "'");
        }
        ArrayData values = row.getArray(index);
        int firstNull = firstNull(values);
        if (firstNull >= 0) {
            throw new IllegalArgumentException("column '" + name + "' holds null at " + firstNull
                    + "; expected numbers");
        }
        return values;
    }

    /** {@link #array}, checked to hold a whole number (at least one) of steps of {@code inputSize} values. */
    ArrayData steps(InternalRow row, int inputSize) {
        ArrayData values = array(row);
        int n = values.numElements();
        if (n == 0 || n % inputSize != 0) {
            throw new IllegalArgumentException("a sequence of " + n + " values in column '" + name
                    + "' is not a whole number (at least one) of steps of " + inputSize + " inputs");
        }
        return values;
    }

    /** Copies {@code count} values of a checked array from {@code from} into {@code to} at {@code offset}. */
    void copy(ArrayData values, int from, int count, float[] to, int offset) {
        java.util.Objects.checkFromIndexSize(from, count, values.numElements());
        java.util.Objects.checkFromIndexSize(offset, count, to.length);
        if (!doubles && values instanceof UnsafeArrayData packed) {
            PackedArrays.copyFloats(packed, from, to, offset, count);
        } else if (doubles) {
            for (int i = 0; i < count; i++) {
                to[offset + i] = (float) values.getDouble(from + i);
            }
        } else {
            for (int i = 0; i < count; i++) {
                to[offset + i] = values.getFloat(from + i);
            }
        }
    }

    /** The row's values in this column, checked, as a new array. */
    float[] read(InternalRow row) {
        return copyOf(array(row));
    }

    /** {@link #steps}, as a new array. */
    float[] readSteps(InternalRow row, int inputSize) {
        return copyOf(steps(row, inputSize));
    }

    private float[] copyOf(ArrayData values) {
        float[] x = new float[values.numElements()];
        copy(values, 0, x.length, x, 0);
        return x;
    }

    /** The index of the first null value, or -1. */
    private static int firstNull(ArrayData values) {
        if (values instanceof UnsafeArrayData packed) {
            return PackedArrays.firstNull(packed);
        }
        for (int i = 0; i < values.numElements(); i++) {
            if (values.isNullAt(i)) {
                return i;
            }
        }
        return -1;
    }
}
