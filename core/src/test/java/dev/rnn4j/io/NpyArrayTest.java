package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NumPy's formats: what NumPy writes reads back; every malformed header or body is refused by name. */
class NpyArrayTest {
    /** A version {@code major} .npy with {@code dict} as its header and {@code data} after it. */
    private static byte[] npy(int major, String dict, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        out.writeBytes(NpyArray.MAGIC);
        out.write(major);
        out.write(0);
        if (major == 1) {
            out.write(header.length & 0xff);
            out.write(header.length >>> 8);
        } else {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(header.length).array());
        }
        out.writeBytes(header);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static NpyArray read(byte[] bytes) throws IOException {
        return NpyArray.read(new ByteArrayInputStream(bytes), "x.npy");
    }

    private static String refusal(byte[] bytes) {
        return assertThrows(MalformedFileException.class, () -> read(bytes)).getMessage();
    }

    @Test
    void whatItWritesReadsBackWithItsShape() throws IOException {
        float[] v = {1, -2.5f, 3, 4, 5, 6};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyArray.writeFloats(out, v, new long[] {2, 3});
        byte[] bytes = out.toByteArray();
        assertEquals(0, (bytes.length - v.length * 4) % 64, "the data starts on a 64-byte boundary, as NumPy's");
        NpyArray a = read(bytes);
        assertArrayEquals(new long[] {2, 3}, a.shape());
        assertArrayEquals(v, a.floats());
        ByteArrayOutputStream one = new ByteArrayOutputStream();
        NpyArray.writeFloats(one, new float[] {7}, new long[] {1});
        assertArrayEquals(new long[] {1}, read(one.toByteArray()).shape(), "a one-element tuple is written (1,)");
    }

    @Test
    void bigEndianDoublesAndVersionTwoHeadersRead() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putDouble(0.5).putDouble(-8);
        NpyArray a = read(npy(2, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", data.array()));
        assertArrayEquals(new float[] {0.5f, -8f}, a.floats());
        ByteBuffer ints = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(42);
        NpyArray i = read(npy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }", ints.array()));
        assertEquals(0, i.shape().length, "a scalar");
        assertArrayEquals(new float[] {42}, i.floats());
        assertTrue(!i.isFloatingPoint());
    }

    @Test
    void malformedArraysAreRefusedByName() {
        byte[] four = new byte[4];
        assertTrue(refusal(new byte[] {1, 2, 3}).contains("not a NumPy .npy array"));
        assertTrue(refusal(npy(4, "{}", four)).contains("version 4 is not one of 1, 2, 3"));
        assertTrue(refusal(npy(1, "{'shape': (1,), }", four)).contains("lacks descr, fortran_order or shape"));
        assertTrue(refusal(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", four))
                .contains("Fortran order"));
        assertTrue(refusal(npy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", four))
                .contains("dtype '<c8' is not"));
        assertTrue(refusal(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", four))
                .contains("'-1', not a non-negative integer"));
        assertTrue(refusal(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                four)).contains("overflows"));
        assertTrue(refusal(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3000000000,), }", four))
                .contains("too large for one Java array"));
        assertTrue(refusal(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", four))
                .contains("truncated .npy data (4 of 8 bytes)"));
        byte[] longHeader = npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", four);
        ByteBuffer.wrap(longHeader, NpyArray.MAGIC.length + 2, 4).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(NpyArray.MAX_HEADER_BYTES + 1);
        assertTrue(refusal(longHeader).contains("over the " + NpyArray.MAX_HEADER_BYTES + "-byte limit"));
    }

    /** A header that claims a large array over a few bytes of data costs what the data holds, not the claim. */
    @Test
    void aLargeClaimOverLittleDataFailsAsTruncated() {
        byte[] bytes = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (500000000,), }", new byte[100]);
        assertTrue(refusal(bytes).contains("truncated .npy data (100 of 2000000000 bytes)"));
    }

    @Test
    void anNpzIsReadWholeAndWhatIsNotAnArrayIsRefused(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("w.npz");
        NpzFile.write(good, Map.of("a.weight", new float[] {1, 2, 3, 4}), Map.of("a.weight", new long[] {2, 2}));
        NpzFile npz = NpzFile.read(good);
        assertEquals(java.util.Set.of("a.weight"), npz.names());
        assertArrayEquals(new long[] {2, 2}, npz.shape("a.weight"));
        assertArrayEquals(new float[] {1, 2, 3, 4}, npz.floats("a.weight"));
        assertTrue(assertThrows(MalformedFileException.class, () -> npz.floats("b")).getMessage()
                .contains("no array 'b' (has [a.weight])"));

        Path other = dir.resolve("other.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(other))) {
            zip.putNextEntry(new ZipEntry("notes.txt"));
            zip.write("hello".getBytes(StandardCharsets.US_ASCII));
            zip.closeEntry();
        }
        assertTrue(assertThrows(MalformedFileException.class, () -> NpzFile.read(other)).getMessage()
                .contains("entry 'notes.txt' is not an .npy array"));
        Path broken = dir.resolve("broken.npz");
        Files.write(broken, new byte[] {'P', 'K', 3, 4, 0, 0, 0});
        assertTrue(assertThrows(MalformedFileException.class, () -> TensorSource.read(broken)).getMessage()
                .contains("not a readable .npz"));
    }
}
