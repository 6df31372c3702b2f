package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Reading sequences from internal rows in each form Spark hands arrays over in: packed (unsafe) and generic. */
class SequenceColumnTest {
    private static final float[] VALUES = {0f, 1.5f, -2f, 3.25f, 0f, 5f};

    private static SequenceColumn column(boolean doubles) {
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("id", DataTypes.IntegerType, false),
                DataTypes.createStructField("x", DataTypes.createArrayType(
                        doubles ? DataTypes.DoubleType : DataTypes.FloatType), true)));
        return SequenceColumn.of(schema, "x", "input column");
    }

    private static InternalRow row(ArrayData values) {
        return new GenericInternalRow(new Object[] {7, values});
    }

    private static double[] doubles(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return d;
    }

    /** Every form an array of these values may come in, with the column that reads it. */
    private static List<Object[]> forms() {
        Object[] boxed = new Object[VALUES.length];
        Object[] boxedDoubles = new Object[VALUES.length];
        for (int i = 0; i < VALUES.length; i++) {
            boxed[i] = VALUES[i];
            boxedDoubles[i] = (double) VALUES[i];
        }
        return List.of(
                new Object[] {"unsafe floats", column(false), UnsafeArrayData.fromPrimitiveArray(VALUES)},
                new Object[] {"unsafe doubles", column(true), UnsafeArrayData.fromPrimitiveArray(doubles(VALUES))},
                new Object[] {"generic floats", column(false), new GenericArrayData(boxed)},
                new Object[] {"generic doubles", column(true), new GenericArrayData(boxedDoubles)});
    }

    @Test
    void everyFormReadsTheSameValues() {
        for (Object[] form : forms()) {
            SequenceColumn c = (SequenceColumn) form[1];
            InternalRow r = row((ArrayData) form[2]);
            assertArrayEquals(VALUES, c.read(r), (String) form[0]);
            assertArrayEquals(VALUES, c.readSteps(r, 3), (String) form[0]);
        }
    }

    @Test
    void aPartCopiesToItsPlaceAndNothingElse() {
        for (Object[] form : forms()) {
            SequenceColumn c = (SequenceColumn) form[1];
            ArrayData values = c.steps(row((ArrayData) form[2]), 2);
            float[] to = {9f, 9f, 9f, 9f, 9f};
            c.copy(values, 2, 3, to, 1);
            assertArrayEquals(new float[] {9f, -2f, 3.25f, 0f, 9f}, to, (String) form[0]);
            assertThrows(IndexOutOfBoundsException.class, () -> c.copy(values, 4, 3, to, 0), (String) form[0]);
            assertThrows(IndexOutOfBoundsException.class, () -> c.copy(values, 0, 3, to, 3), (String) form[0]);
        }
    }

    @Test
    void aNullValueIsFoundWhereverItIsAndAZeroIsNotOne() {
        for (int at : new int[] {0, 4, 63, 64, 129}) {
            UnsafeArrayData packed = UnsafeArrayData.createFreshArray(130, Float.BYTES);
            packed.setNullAt(at);
            Object[] boxed = new Object[130];
            java.util.Arrays.fill(boxed, 0f);
            boxed[at] = null;
            for (ArrayData values : List.of(packed, new GenericArrayData(boxed))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> column(false).read(row(values)));
                assertEquals("column 'x' holds null at " + at + "; expected numbers", e.getMessage());
            }
        }
        // all zeros and no null bit: numbers
        assertArrayEquals(new float[130], column(false).read(row(UnsafeArrayData.createFreshArray(130, 4))));
    }

    @Test
    void aMissingArrayOrAPartStepIsRefused() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> column(false).read(new GenericInternalRow(new Object[] {7, null})));
        assertEquals("a row has no value (null) in column 'x'", none.getMessage());
        IllegalArgumentException part = assertThrows(IllegalArgumentException.class,
                () -> column(false).steps(row(UnsafeArrayData.fromPrimitiveArray(VALUES)), 4));
        assertTrue(part.getMessage().contains("a sequence of 6 values in column 'x' is not a whole number"),
                part.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> column(false).steps(row(UnsafeArrayData.fromPrimitiveArray(new float[0])), 1));
    }
}
