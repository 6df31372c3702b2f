package dev.rnn4j.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One array in NumPy's {@code .npy} format (versions 1 to 3): the magic, a Python-literal header naming the dtype,
 * the order and the shape, then the raw data. Reads {@code float32}, {@code float64}, {@code float16},
 * {@code int32} and {@code int64} in either byte order, C order only; writes {@code float32}.
 *
 * <p>Reading checks the header before allocating anything: its length is capped, the shape must be non-negative
 * and fit a Java array, and the data is read in chunks, so a header that claims more than the stream holds fails as
 * truncated after reading what is there, never after allocating what it claims.
 */
public final class NpyArray {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** NumPy's version 1 header is at most 65535 bytes; later versions allow 4 GiB, which no real header needs. */
    static final int MAX_HEADER_BYTES = 1 << 20;
    /** NumPy pads the header so the data starts on this boundary. */
    private static final int ALIGNMENT = 64;
    private static final int READ_CHUNK = 1 << 20;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private final String dtype;
    private final long[] shape;
    /** The data, in the array's byte order. */
    private final ByteBuffer data;

    private NpyArray(String dtype, long[] shape, ByteBuffer data) {
        this.dtype = dtype;
        this.shape = shape;
        this.data = data;
    }

    /** NumPy's dtype without the byte order: {@code f4}, {@code f8}, {@code f2}, {@code i4} or {@code i8}. */
    public String dtype() {
        return dtype;
    }

    /** The dimensions (empty for a scalar). */
    public long[] shape() {
        return shape.clone();
    }

    /** Whether it holds floating-point values. */
    public boolean isFloatingPoint() {
        return dtype.startsWith("f");
    }

    /** Every element converted to float, in C order. */
    public float[] floats() {
        int n = (int) elementCount(shape);
        float[] out = new float[n];
        ByteBuffer d = data.duplicate().order(data.order());
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case "f4" -> d.getFloat(4 * i);
                case "f8" -> (float) d.getDouble(8 * i);
                case "f2" -> SafetensorsFile.halfToFloat(d.getShort(2 * i));
                case "i4" -> d.getInt(4 * i);
                default -> d.getLong(8 * i);
            };
        }
        return out;
    }

    /** Writes {@code values} of {@code shape} as a version 1 {@code .npy} of little-endian float32. */
    public static void writeFloats(OutputStream out, float[] values, long[] shape) throws IOException {
        if (elementCount(shape) != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + elementCount(shape)
                    + " elements, not " + values.length);
        }
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        String dimsText = shape.length == 1 ? shape[0] + "," : dims.length() == 0 ? "" : dims.substring(0,
                dims.length() - 2);
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dimsText + "), }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int padding = (ALIGNMENT - unpadded % ALIGNMENT) % ALIGNMENT;
        byte[] header = (dict + " ".repeat(padding) + "\n").getBytes(StandardCharsets.US_ASCII);
        out.write(MAGIC);
        out.write(new byte[] {1, 0, (byte) (header.length & 0xff), (byte) (header.length >>> 8)});
        out.write(header);
        ByteBuffer chunk = ByteBuffer.allocate(4 * Math.min(values.length, READ_CHUNK / 4))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < values.length; at += chunk.capacity() / 4) {
            chunk.clear();
            int n = Math.min(chunk.capacity() / 4, values.length - at);
            chunk.asFloatBuffer().put(values, at, n);
            out.write(chunk.array(), 0, 4 * n);
        }
    }

    /**
     * Reads one array from {@code in}, named {@code source} in messages.
     *
     * @throws MalformedFileException naming the problem: a bad magic or header, an unsupported dtype or order, a
     *                                shape too large for an array, or data shorter than the shape
     */
    public static NpyArray read(InputStream in, String source) throws IOException {
        byte[] magic = in.readNBytes(MAGIC.length + 2);
        if (magic.length < MAGIC.length + 2 || !Arrays.equals(Arrays.copyOf(magic, MAGIC.length), MAGIC)) {
            throw new MalformedFileException(source + ": not a NumPy .npy array (no \\x93NUMPY magic)");
        }
        int major = magic[MAGIC.length];
        long headerLength;
        if (major == 1) {
            byte[] len = readFully(in, 2, source, "header length");
            headerLength = (len[0] & 0xff) | (len[1] & 0xff) << 8;
        } else if (major == 2 || major == 3) {
            byte[] len = readFully(in, 4, source, "header length");
            headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
        } else {
            throw new MalformedFileException(source + ": .npy format version " + major + " is not one of 1, 2, 3");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new MalformedFileException(source + ": .npy header of " + headerLength + " bytes is over the "
                    + MAX_HEADER_BYTES + "-byte limit");
        }
        String header = new String(readFully(in, (int) headerLength, source, "header"),
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeText = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shapeText.find()) {
            throw new MalformedFileException(source + ": .npy header lacks descr, fortran_order or shape: "
                    + abbreviated(header));
        }
        if (fortran.group(1).equals("True")) {
            throw new MalformedFileException(source + ": the array is in Fortran order; save it with "
                    + "np.ascontiguousarray first");
        }
        String dtype = descr.group(2) + descr.group(3);
        int size = switch (dtype) {
            case "f4", "i4" -> 4;
            case "f8", "i8" -> 8;
            case "f2" -> 2;
            default -> throw new MalformedFileException(source + ": dtype '" + descr.group(1) + descr.group(2)
                    + descr.group(3) + "' is not float16, float32, float64, int32 or int64");
        };
        ByteOrder order = descr.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        long[] shape = parseShape(shapeText.group(1), source);
        long count = elementCount(shape);
        if (count > SafetensorsFile.MAX_ARRAY_ELEMENTS || count * size > Integer.MAX_VALUE - 8) {
            throw new MalformedFileException(source + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " is too large for one Java array");
        }
        byte[] bytes = readInChunks(in, (int) (count * size), source);
        return new NpyArray(dtype, shape, ByteBuffer.wrap(bytes).order(order));
    }

    private static long[] parseShape(String text, String source) throws MalformedFileException {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1); // Python 2's long literals
            }
            try {
                long d = Long.parseLong(p);
                if (d < 0) {
                    throw new NumberFormatException();
                }
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new MalformedFileException(source + ": shape (" + text + ") holds '" + part.trim()
                        + "', not a non-negative integer");
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long n = 1;
        for (long d : shape) {
            if (d != 0 && n > Long.MAX_VALUE / d) {
                throw new MalformedFileException(source + ": shape (" + text + ") overflows");
            }
            n *= d;
        }
        return shape;
    }

    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private static byte[] readFully(InputStream in, int n, String source, String what) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new MalformedFileException(source + ": truncated .npy " + what + " (" + b.length + " of " + n
                    + " bytes)");
        }
        return b;
    }

    /** Reads {@code n} bytes a chunk at a time, so memory grows with what the stream holds, not what was claimed. */
    private static byte[] readInChunks(InputStream in, int n, String source) throws IOException {
        if (n <= READ_CHUNK) {
            return readFully(in, n, source, "data");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(READ_CHUNK);
        byte[] chunk = new byte[READ_CHUNK];
        int left = n;
        while (left > 0) {
            int got = in.readNBytes(chunk, 0, Math.min(chunk.length, left));
            if (got <= 0) {
                throw new MalformedFileException(source + ": truncated .npy data (" + (n - left) + " of " + n
                        + " bytes)");
            }
            out.write(chunk, 0, got);
            left -= got;
        }
        return out.toByteArray();
    }

    private static String abbreviated(String header) {
        String h = header.strip();
        return h.length() <= 200 ? h : h.substring(0, 200) + "...";
    }

    @Override
    public String toString() {
        return dtype.toUpperCase(Locale.ROOT) + Arrays.toString(shape);
    }
}
