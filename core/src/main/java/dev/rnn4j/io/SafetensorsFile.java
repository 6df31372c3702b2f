package dev.rnn4j.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file read into memory and validated before anything is returned: an 8-byte little-endian header
 * length, a JSON header mapping tensor names to dtype, shape and byte offsets (plus an optional
 * {@code __metadata__} map of strings), then the data. Every offset is checked against the data section, tensors
 * must not overlap, and each tensor's byte span must match its shape and dtype, so no read goes out of bounds.
 * The JSON is parsed with Jackson, with duplicate keys rejected.
 *
 * <p>A file is read by mapping it, not into one array, so its size has no 2 GiB limit and only the tensors asked
 * for are read; a single tensor converts into a Java array, so one of more than 2³¹ − 9 elements is refused
 * with a message.
 */
public final class SafetensorsFile implements TensorSource {
    /** Headers larger than this are refused (the format's own reference implementation uses the same bound). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final String source;
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors;
    /** Elements of the largest array a JVM allocates (a few below {@code Integer.MAX_VALUE}). */
    static final int MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8;

    private final TensorData data;

    private SafetensorsFile(String source, Map<String, String> metadata, Map<String, TensorInfo> tensors,
                            TensorData data) {
        this.source = source;
        this.metadata = metadata;
        this.tensors = tensors;
        this.data = data;
    }

    /** Reads and validates {@code path}: the header into memory, the data mapped. */
    public static SafetensorsFile read(Path path) throws IOException {
        return read(path, TensorData.DEFAULT_STRIDE);
    }

    /** {@link #read(Path)} with the data mapped in windows {@code stride} bytes apart (tests use small ones). */
    static SafetensorsFile read(Path path, long stride) throws IOException {
        String source = path.toString();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw truncated(source, size);
            }
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, length, 0);
            long headerLength = checkedHeaderLength(source, length.getLong(0), size);
            byte[] header = new byte[(int) headerLength];
            readFully(channel, ByteBuffer.wrap(header), 8);
            long dataStart = 8 + headerLength;
            TensorData data = TensorData.map(channel, dataStart, size - dataStart, stride);
            return validated(source, header, 0, header.length, data);
        }
    }

    /** Validates {@code bytes} as a safetensors file; {@code source} names it in error messages. */
    public static SafetensorsFile parse(byte[] bytes, String source) throws MalformedFileException {
        if (bytes.length < 8) {
            throw truncated(source, bytes.length);
        }
        long headerLength = checkedHeaderLength(source,
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0), bytes.length);
        int dataStart = 8 + (int) headerLength;
        return validated(source, bytes, 8, (int) headerLength,
                TensorData.of(bytes, dataStart, bytes.length - dataStart));
    }

    private static MalformedFileException truncated(String source, long size) {
        return new MalformedFileException(source + ": truncated: " + size
                + " bytes, but a safetensors file starts with an 8-byte header length");
    }

    private static long checkedHeaderLength(String source, long headerLength, long fileSize)
            throws MalformedFileException {
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new MalformedFileException(source + ": header length " + Long.toUnsignedString(headerLength)
                    + " bytes is over the " + MAX_HEADER_BYTES + "-byte limit; not a safetensors file or corrupt");
        }
        if (8 + headerLength > fileSize) {
            throw new MalformedFileException(source + ": header length " + headerLength
                    + " runs past the end of the file (" + fileSize + " bytes): truncated or corrupt");
        }
        return headerLength;
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int n = channel.read(into, at);
            if (n < 0) {
                throw new MalformedFileException("the file ended while reading its header: it changed while read");
            }
            at += n;
        }
    }

    private static SafetensorsFile validated(String source, byte[] headerBytes, int headerOffset, int headerLength,
                                             TensorData data) throws MalformedFileException {
        JsonNode header;
        try {
            header = JSON.readTree(new String(headerBytes, headerOffset, headerLength, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new MalformedFileException(source + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new MalformedFileException(source + ": header must be a JSON object");
        }
        long dataSize = data.size();
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                readMetadata(source, e.getValue(), metadata);
            } else {
                tensors.put(e.getKey(), readTensor(source, e.getKey(), e.getValue(), dataSize));
            }
        }
        requireNoOverlap(source, tensors);
        return new SafetensorsFile(source, Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(tensors), data);
    }

    private static void readMetadata(String source, JsonNode node, Map<String, String> into)
            throws MalformedFileException {
        if (!node.isObject()) {
            throw new MalformedFileException(source + ": __metadata__ must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw new MalformedFileException(source + ": __metadata__ entry '" + m.getKey()
                        + "' must be a string, got " + m.getValue().getNodeType());
            }
            into.put(m.getKey(), m.getValue().asText());
        }
    }

    private static TensorInfo readTensor(String source, String name, JsonNode node, long dataSize)
            throws MalformedFileException {
        String where = source + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new MalformedFileException(where + ": entry must be an object with dtype, shape, data_offsets");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new MalformedFileException(where + ": missing or non-string dtype");
        }
        DType dtype = DType.parse(dtypeNode.asText());
        if (dtype == null) {
            throw new MalformedFileException(where + ": unknown dtype '" + dtypeNode.asText() + "'");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new MalformedFileException(where + ": missing shape array");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new MalformedFileException(where + ": shape entry " + i + " must be an integer >= 0, got " + d);
            }
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException overflow) {
                throw new MalformedFileException(where + ": shape " + shapeNode + " overflows");
            }
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()
                || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw new MalformedFileException(where + ": data_offsets must be two integers [begin, end], got " + offsets);
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw new MalformedFileException(where + ": bad data_offsets [" + begin + ", " + end + "]");
        }
        if (end > dataSize) {
            throw new MalformedFileException(where + ": data_offsets [" + begin + ", " + end
                    + "] run past the data section (" + dataSize + " bytes): truncated or corrupt");
        }
        long needed;
        try {
            needed = Math.multiplyExact(elements, dtype.bytes());
        } catch (ArithmeticException overflow) {
            throw new MalformedFileException(where + ": shape " + shapeNode + " overflows");
        }
        if (end - begin != needed) {
            throw new MalformedFileException(where + ": shape " + shapeNode + " of " + dtype + " needs " + needed
                    + " bytes but data_offsets span " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void requireNoOverlap(String source, Map<String, TensorInfo> tensors) throws MalformedFileException {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo a = sorted.get(i - 1);
            TensorInfo b = sorted.get(i);
            if (b.begin() < a.end() && b.end() > b.begin()) {
                throw new MalformedFileException(source + ": tensors '" + a.name() + "' [" + a.begin() + ", "
                        + a.end() + ") and '" + b.name() + "' [" + b.begin() + ", " + b.end() + ") overlap");
            }
        }
    }

    /** The file's name in messages. */
    @Override
    public String source() {
        return source;
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public long[] shape(String name) throws MalformedFileException {
        return info(name).shape().clone();
    }

    @Override
    public boolean isFloatingPoint(String name) throws MalformedFileException {
        return info(name).dtype().isFloatingPoint();
    }

    @Override
    public String typeName(String name) throws MalformedFileException {
        return info(name).dtype().name();
    }

    /** The {@code __metadata__} map (empty if absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor, in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** Whether a tensor called {@code name} exists. */
    @Override
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The entry for {@code name}; a clear error if absent. */
    public TensorInfo info(String name) throws MalformedFileException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new MalformedFileException(source + ": missing tensor '" + name + "' (has " + tensors.keySet() + ")");
        }
        return t;
    }

    /** A floating-point tensor (F16, BF16, F32 or F64) converted to float. */
    @Override
    public float[] floats(String name) throws MalformedFileException {
        TensorInfo t = info(name);
        int n = arrayLength(t);
        float[] out = new float[n];
        long at = t.begin();
        switch (t.dtype()) {
            case F32 -> {
                ByteBuffer span = data.span(at, 4L * n);
                if (span != null) {
                    span.asFloatBuffer().get(out);
                } else {
                    for (int i = 0; i < n; i++) {
                        out[i] = data.getFloat(at + 4L * i);
                    }
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) data.getDouble(at + 8L * i);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = halfToFloat(data.getShort(at + 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((data.getShort(at + 2L * i) & 0xffff) << 16);
                }
            }
            default -> throw new MalformedFileException(source + ": tensor '" + name + "' is " + t.dtype()
                    + "; expected a floating-point dtype (F16, BF16, F32, F64)");
        }
        return out;
    }

    /** A floating-point tensor widened to double (exact for F32 and F64). */
    public double[] doubles(String name) throws MalformedFileException {
        TensorInfo t = info(name);
        if (t.dtype() == DType.F64) {
            int n = arrayLength(t);
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                out[i] = data.getDouble(t.begin() + 8L * i);
            }
            return out;
        }
        float[] f = floats(name);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /**
     * An integer tensor (I32 or I64, or a floating-point tensor holding whole numbers) as ints; values that do not
     * fit an int, or are not whole, are an error naming the tensor and index.
     */
    public int[] ints(String name) throws MalformedFileException {
        TensorInfo t = info(name);
        if (!t.dtype().isInteger() && t.dtype() != DType.F32 && t.dtype() != DType.F64) {
            throw new MalformedFileException(source + ": tensor '" + name + "' is " + t.dtype()
                    + "; expected I32, I64, F32 or F64");
        }
        int n = arrayLength(t);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            double v = switch (t.dtype()) {
                case I32 -> data.getInt(t.begin() + 4L * i);
                case I64 -> data.getLong(t.begin() + 8L * i);
                case F32 -> data.getFloat(t.begin() + 4L * i);
                default -> data.getDouble(t.begin() + 8L * i);
            };
            if (v != Math.rint(v) || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new MalformedFileException(source + ": tensor '" + name + "' element " + i + " = " + v
                        + " is not a 32-bit integer");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /** The tensor's element count as an array length, or a message when no Java array holds it. */
    private int arrayLength(TensorInfo t) throws MalformedFileException {
        long n = t.elementCount();
        if (n > MAX_ARRAY_ELEMENTS) {
            throw new MalformedFileException(source + ": tensor '" + t.name() + "' has " + n
                    + " elements; a Java array holds at most " + MAX_ARRAY_ELEMENTS);
        }
        return (int) n;
    }

    /** IEEE 754 binary16 to float, subnormals, infinities and NaN included. */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }
}
