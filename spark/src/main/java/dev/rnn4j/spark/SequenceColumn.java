package dev.rnn4j.spark;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One array column of floats or doubles, read from Spark's internal rows as a {@code float[]}: one bulk copy, not a
 * boxed number per value. A null array, or a null among the values, is refused; a null would otherwise read as 0.
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

    /** The row's values in this column, checked not null. */
    float[] read(InternalRow row) {
        if (row.isNullAt(index)) {
            throw new IllegalArgumentException("a row has no value (null) in column '" + name + "'");
        }
        ArrayData values = row.getArray(index);
        int n = values.numElements();
        float[] x;
        if (doubles) {
            double[] d = values.toDoubleArray();
            x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) d[i];
            }
        } else {
            x = values.toFloatArray();
        }
        // Only a 0 can be a null read as 0, so only those are looked up.
        for (int i = 0; i < n; i++) {
            if (x[i] == 0f && values.isNullAt(i)) {
                throw new IllegalArgumentException("column '" + name + "' holds null at " + i + "; expected numbers");
            }
        }
        return x;
    }

    /** {@link #read}, and a whole number (at least one) of steps of {@code inputSize} values. */
    float[] readSteps(InternalRow row, int inputSize) {
        float[] x = read(row);
        if (x.length == 0 || x.length % inputSize != 0) {
            throw new IllegalArgumentException("a sequence of " + x.length + " values in column '" + name
                    + "' is not a whole number (at least one) of steps of " + inputSize + " inputs");
        }
        return x;
    }
}
