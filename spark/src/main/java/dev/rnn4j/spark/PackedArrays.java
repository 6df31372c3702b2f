package dev.rnn4j.spark;

import java.util.Objects;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.bitset.BitSetMethods;

/**
 * Spark's packed (unsafe) arrays, as this module reads and writes them: a word holding the length, then a word of
 * null bits per 64 values, then the values end to end. Floats are copied in and out in bulk, not a value at a time.
 * This layout is Spark's internal one, pinned by the Spark version the module builds against.
 */
final class PackedArrays {
    private PackedArrays() {
    }

    /** Copies {@code count} floats of {@code from} from {@code fromIndex} into {@code to} at {@code toIndex}. */
    static void copyFloats(UnsafeArrayData from, int fromIndex, float[] to, int toIndex, int count) {
        Objects.checkFromIndexSize(fromIndex, count, from.numElements());
        Objects.checkFromIndexSize(toIndex, count, to.length);
        Platform.copyMemory(from.getBaseObject(), valuesOffset(from) + (long) fromIndex * Float.BYTES, to,
                Platform.FLOAT_ARRAY_OFFSET + (long) toIndex * Float.BYTES, (long) count * Float.BYTES);
    }

    /** Copies {@code count} floats of {@code from} from {@code fromIndex} into {@code to} at {@code toIndex}. */
    static void copyFloats(float[] from, int fromIndex, UnsafeArrayData to, int toIndex, int count) {
        Objects.checkFromIndexSize(fromIndex, count, from.length);
        Objects.checkFromIndexSize(toIndex, count, to.numElements());
        Platform.copyMemory(from, Platform.FLOAT_ARRAY_OFFSET + (long) fromIndex * Float.BYTES, to.getBaseObject(),
                valuesOffset(to) + (long) toIndex * Float.BYTES, (long) count * Float.BYTES);
    }

    /** The index of the first null value, or -1: read from the null bits, a word per 64 values. */
    static int firstNull(UnsafeArrayData array) {
        long bits = array.getBaseOffset() + Long.BYTES;
        int words = (array.numElements() + Long.SIZE - 1) / Long.SIZE;
        return BitSetMethods.anySet(array.getBaseObject(), bits, words)
                ? BitSetMethods.nextSetBit(array.getBaseObject(), bits, 0, words) : -1;
    }

    private static long valuesOffset(UnsafeArrayData array) {
        return array.getBaseOffset() + UnsafeArrayData.calculateHeaderPortionInBytes(array.numElements());
    }
}
