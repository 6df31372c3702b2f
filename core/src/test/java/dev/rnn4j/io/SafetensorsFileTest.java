package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    /** A file with the given header text and {@code dataBytes} bytes of data (values 0, 1, 2, ...). */
    static byte[] file(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    static String rejected(byte[] bytes) {
        return assertThrows(MalformedFileException.class, () -> SafetensorsFile.parse(bytes, "f.safetensors"))
                .getMessage();
    }

    static void assertRejected(String fragment, byte[] bytes) {
        String m = rejected(bytes);
        assertTrue(m.contains(fragment), "message '" + m + "' lacks '" + fragment + "'");
        assertTrue(m.startsWith("f.safetensors: "), m);
    }

    @Test
    void roundTripsTensorsAndMetadata(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("t.safetensors");
        new SafetensorsWriter().metadata("mode", "LSTM")
                .addF32("a", new float[] {1.5f, -2f, 3.25f, 0f, 7f, 8f}, 2, 3)
                .addI64("len", new int[] {3, 1}, 2)
                .addF32("empty", new float[0], 0, 4)
                .write(p);
        SafetensorsFile f = SafetensorsFile.read(p);
        assertEquals("LSTM", f.metadata().get("mode"));
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 0f, 7f, 8f}, f.floats("a"));
        assertArrayEquals(new long[] {2, 3}, f.info("a").shape());
        assertArrayEquals(new int[] {3, 1}, f.ints("len"));
        assertEquals(0, f.floats("empty").length);
        byte[] raw = Files.readAllBytes(p);
        long headerLength = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "header padded to 8 bytes");
        assertEquals(0, Files.list(dir).filter(x -> x.toString().endsWith(".tmp")).count(), "no temp file left");
    }

    @Test
    void readsF64F16Bf16AndI32() throws Exception {
        ByteBuffer d = ByteBuffer.allocate(8 + 2 + 2 + 4 + 4).order(ByteOrder.LITTLE_ENDIAN);
        d.putDouble(0.1);
        d.putShort((short) 0x3c00); // F16 1.0
        d.putShort((short) 0xc040); // BF16 -3.0
        d.putInt(42);
        d.putFloat(6f);
        String h = "{\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[8,10]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[10,12]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[12,16]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}}";
        byte[] bytes = file(h, 0);
        byte[] all = Arrays.copyOf(bytes, bytes.length + d.capacity());
        System.arraycopy(d.array(), 0, all, bytes.length, d.capacity());
        SafetensorsFile f = SafetensorsFile.parse(all, "x");
        assertEquals(0.1, f.doubles("d")[0]);
        assertEquals(1.0f, f.floats("h")[0]);
        assertEquals(-3.0f, f.floats("b")[0]);
        assertArrayEquals(new int[] {42}, f.ints("i"));
        assertArrayEquals(new int[] {6}, f.ints("w"));
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> f.floats("i"));
        assertTrue(e.getMessage().contains("'i' is I32; expected a floating-point dtype"), e.getMessage());
        assertTrue(assertThrows(MalformedFileException.class, () -> f.floats("nope")).getMessage()
                .contains("missing tensor 'nope'"));
    }

    @Test
    void halfPrecisionSpecialValues() {
        assertEquals(Float.POSITIVE_INFINITY, SafetensorsFile.halfToFloat((short) 0x7c00));
        assertTrue(Float.isNaN(SafetensorsFile.halfToFloat((short) 0x7e00)));
        assertEquals(0x1p-24f, SafetensorsFile.halfToFloat((short) 0x0001));
        assertEquals(-0.0f, SafetensorsFile.halfToFloat((short) 0x8000));
        assertEquals(65504f, SafetensorsFile.halfToFloat((short) 0x7bff));
    }

    @Test
    void rejectsTruncatedFiles() {
        assertRejected("truncated: 5 bytes", new byte[5]);
        byte[] ok = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        assertRejected("runs past the end of the file", Arrays.copyOf(ok, 20));
        assertRejected("data_offsets [0, 8] run past the data section (4 bytes)", Arrays.copyOf(ok, ok.length - 4));
    }

    @Test
    void rejectsHugeOrNegativeHeaderLengths() {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(200L * 1024 * 1024);
        assertRejected("over the 104857600-byte limit", b.array());
        b.putLong(0, -5);
        assertRejected("header length 18446744073709551611", b.array());
    }

    @Test
    void rejectsBadJson() {
        assertRejected("header is not valid JSON", file("{\"a\": ", 0));
        assertRejected("header must be a JSON object", file("[1,2]", 0));
        assertRejected("header is not valid JSON: Duplicate field 'a'",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0));
        assertRejected("__metadata__ entry 'n' must be a string", file("{\"__metadata__\":{\"n\":3}}", 0));
    }

    @Test
    void rejectsBadEntries() {
        assertRejected("tensor 'a': unknown dtype 'F99'",
                file("{\"a\":{\"dtype\":\"F99\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
        assertRejected("tensor 'a': missing or non-string dtype", file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
        assertRejected("tensor 'a': shape entry 0 must be an integer >= 0",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4));
        assertRejected("tensor 'a': bad data_offsets [8, 4]",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8));
        assertRejected("tensor 'a': data_offsets must be two integers",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 8));
        assertRejected("tensor 'a': shape [3] of F32 needs 12 bytes but data_offsets span 8",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        assertRejected("overflows",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8));
    }

    @Test
    void rejectsOverlappingTensors() {
        assertRejected("tensors 'a' [0, 8) and 'b' [4, 12) overlap",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
    }

    @Test
    void writerChecksShapes() {
        assertThrows(IllegalArgumentException.class, () -> new SafetensorsWriter().addF32("a", new float[3], 2, 2));
        assertThrows(IllegalArgumentException.class,
                () -> new SafetensorsWriter().addF32("a", new float[1], 1).addF32("a", new float[1], 1));
    }

    @Test
    void readsTheSameThroughEveryMappingWindow(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("w.safetensors");
        float[] a = new float[37];
        for (int i = 0; i < a.length; i++) {
            a[i] = i * 0.5f - 3;
        }
        new SafetensorsWriter().metadata("mode", "GRU")
                .addF32("a", a, 37)
                .addI64("len", new int[] {3, 1, 7}, 3)
                .addF32("b", new float[] {9f, -1f}, 2)
                .write(p);
        SafetensorsFile whole = SafetensorsFile.parse(Files.readAllBytes(p), p.toString());
        for (long stride : new long[] {8, 12, 16, 40, 64, 1 << 20}) {
            SafetensorsFile f = SafetensorsFile.read(p, stride);
            for (String name : new String[] {"a", "b"}) {
                assertArrayEquals(whole.floats(name), f.floats(name), name + " at stride " + stride);
                assertArrayEquals(whole.doubles(name), f.doubles(name), name + " at stride " + stride);
            }
            assertArrayEquals(whole.ints("len"), f.ints("len"), "stride " + stride);
        }
    }

    /**
     * A sparse 9 GB file (no disk written but its last bytes): a tensor past 8 GiB reads back, one too large for a Java
     * array is refused with a message, and nothing near the file's size is allocated.
     */
    @Test
    void readsFilesOverTwoGibibytes(@TempDir Path dir) throws Exception {
        long padFloats = 2_200_000_000L;
        String header = "{\"pad\":{\"dtype\":\"F32\",\"shape\":[" + padFloats + "],\"data_offsets\":[0,"
                + 4 * padFloats + "]},\"tail\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":["
                + 4 * padFloats + "," + (4 * padFloats + 12) + "]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("big.safetensors");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            ByteBuffer start = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN);
            start.putLong(json.length).put(json);
            f.write(start.array());
            long tailAt = 8 + json.length + 4 * padFloats;
            f.setLength(tailAt + 12);
            f.seek(tailAt);
            ByteBuffer tail = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            tail.putFloat(1.5f).putFloat(-2f).putFloat(1e30f);
            f.write(tail.array());
        }
        SafetensorsFile f = SafetensorsFile.read(p);
        assertArrayEquals(new float[] {1.5f, -2f, 1e30f}, f.floats("tail"));
        String m = assertThrows(MalformedFileException.class, () -> f.floats("pad")).getMessage();
        assertTrue(m.contains("'pad' has 2200000000 elements; a Java array holds at most"), m);
    }

    /** Files are written a chunk at a time (so they may pass 2 GiB): the same bytes as the one-array form. */
    @Test
    void streamedFilesHoldWhatTheArrayFormHolds(@TempDir Path dir) throws Exception {
        float[] big = new float[700_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = i * 0.001f - 7;
        }
        int[] ints = new int[300_000];
        for (int i = 0; i < ints.length; i++) {
            ints[i] = i * 31 - 5;
        }
        SafetensorsWriter w = new SafetensorsWriter().metadata("k", "v").addF32("big", big, 700, 1000)
                .addI64("ints", ints, ints.length).addF32("tiny", new float[] {1}, 1);
        Path p = dir.resolve("streamed.safetensors");
        w.write(p);
        assertArrayEquals(w.toBytes(), Files.readAllBytes(p));
        SafetensorsFile f = SafetensorsFile.read(p);
        assertArrayEquals(big, f.floats("big"));
        assertArrayEquals(ints, f.ints("ints"));
    }

    /** A saved file has the permissions any new file gets in its folder, not a temporary file's owner-only ones. */
    @Test
    void savedFilesGetTheUsualPermissions(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions only");
        Path plain = Files.createFile(dir.resolve("plain"));
        Path saved = dir.resolve("saved.safetensors");
        new SafetensorsWriter().addF32("a", new float[] {1}, 1).write(saved);
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(saved));
    }
}
