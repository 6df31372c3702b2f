package dev.rnn4j.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects tensors and metadata and writes them as one safetensors file, atomically: to a temporary file beside the
 * target, then renamed over it, so a crash never leaves a half-written file under the real name. The header is
 * padded with spaces to a multiple of 8 bytes, as the format's reference writer does. Files are written as a stream,
 * a tensor at a time through a small buffer, so a file (and a tensor) may exceed 2 GiB; only {@link #toBytes} is
 * bounded by what one array holds.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final java.security.SecureRandom TEMP_NAMES = new java.security.SecureRandom();
    /** Bytes a file is written through at a time. */
    private static final int CHUNK_BYTES = 1 << 20;

    /** A tensor's values, copied when added: F32 from {@code floats}, I64 from {@code ints}. */
    private record Entry(String name, DType dtype, long[] shape, float[] floats, int[] ints) {
        long byteCount() {
            return floats != null ? 4L * floats.length : 8L * ints.length;
        }

        /** Puts elements [{@code from}, {@code to}) into {@code out}, little-endian. */
        void put(ByteBuffer out, int from, int to) {
            if (floats != null) {
                // A bulk copy through a float view of the little-endian buffer, then past what it wrote.
                out.asFloatBuffer().put(floats, from, to - from);
                out.position(out.position() + 4 * (to - from));
                return;
            }
            for (int i = from; i < to; i++) {
                out.putLong(ints[i]);
            }
        }

        int length() {
            return floats != null ? floats.length : ints.length;
        }
    }

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Entry> entries = new ArrayList<>();

    /** Adds a {@code __metadata__} entry. */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds an F32 tensor; the shape's product must equal {@code values.length}. */
    public SafetensorsWriter addF32(String name, float[] values, long... shape) {
        requireShape(name, values.length, shape);
        return add(new Entry(name, DType.F32, shape.clone(), values.clone(), null));
    }

    /** Adds an I64 tensor (PyTorch's default integer type). */
    public SafetensorsWriter addI64(String name, int[] values, long... shape) {
        requireShape(name, values.length, shape);
        return add(new Entry(name, DType.I64, shape.clone(), null, values.clone()));
    }

    private SafetensorsWriter add(Entry e) {
        for (Entry existing : entries) {
            if (existing.name().equals(e.name())) {
                throw new IllegalArgumentException("tensor '" + e.name() + "' added twice");
            }
        }
        if (e.name().equals("__metadata__")) {
            throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
        }
        entries.add(e);
        return this;
    }

    private static void requireShape(String name, int length, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in shape");
            }
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException(name + ": shape " + java.util.Arrays.toString(shape) + " holds " + n
                    + " elements but " + length + " values were given");
        }
    }

    /** The 8-byte length and the header, padded with spaces to a multiple of 8 bytes. */
    private byte[] header() throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode s = t.putArray("shape");
            for (long d : e.shape()) {
                s.add(d);
            }
            ArrayNode o = t.putArray("data_offsets");
            o.add(offset);
            offset += e.byteCount();
            o.add(offset);
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(json);
        while (out.hasRemaining()) {
            out.put((byte) ' ');
        }
        return out.array();
    }

    /**
     * The file's bytes in one array.
     *
     * @throws IOException when they are more than an array holds (write such files with {@link #write})
     */
    public byte[] toBytes() throws IOException {
        byte[] header = header();
        long size = header.length;
        for (Entry e : entries) {
            size += e.byteCount();
        }
        if (size > SafetensorsFile.MAX_ARRAY_ELEMENTS) {
            throw new IOException(size + " bytes do not fit one array; write them to a file with write(Path)");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        out.put(header);
        for (Entry e : entries) {
            e.put(out, 0, e.length());
        }
        return out.array();
    }

    /** Writes the header and every tensor to {@code ch}, a chunk at a time. */
    private void writeTo(FileChannel ch) throws IOException {
        writeFully(ch, ByteBuffer.wrap(header()));
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : entries) {
            int perChunk = CHUNK_BYTES / (e.dtype() == DType.F32 ? 4 : 8);
            for (int from = 0; from < e.length(); from += perChunk) {
                chunk.clear();
                e.put(chunk, from, Math.min(e.length(), from + perChunk));
                chunk.flip();
                writeFully(ch, chunk);
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /**
     * Writes the file atomically and durably: a temporary file in the same directory, forced to disk, renamed over
     * the target, the directory forced too. A crash at any point leaves either the old file or the new one.
     */
    public void write(Path target) throws IOException {
        write(target, null);
    }

    /** {@link #write(Path)} with a hook run after the temporary file is written and before the rename (tests). */
    void write(Path target, Runnable beforeRename) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        // Made with CREATE_NEW rather than Files.createTempFile, whose owner-only permissions the rename would give
        // the model file: it gets the permissions any new file gets here (the umask's), like a file the user saves.
        Path tmp = dir.resolve("." + absolute.getFileName() + "." + Long.toHexString(TEMP_NAMES.nextLong()) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeTo(ch);
                ch.force(true);
            }
            if (beforeRename != null) {
                beforeRename.run();
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Makes a rename durable where the platform allows opening a directory (Linux, macOS); elsewhere a no-op. */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir,
                StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open directories; the rename itself is still atomic there.
        }
    }

}
