package dev.rnn4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Named tensors read from a file: a safetensors file ({@link SafetensorsFile}) or a NumPy {@code .npz} archive
 * ({@link NpzFile}). What {@link RnnModelFile#loadStateDict} reads weights from.
 */
public interface TensorSource {
    /** The file's name in messages. */
    String source();

    /** Every tensor's name, in the file's order. */
    Set<String> names();

    /** Whether a tensor called {@code name} exists. */
    default boolean has(String name) {
        return names().contains(name);
    }

    /** The dimensions of {@code name}; a clear error if absent. */
    long[] shape(String name) throws MalformedFileException;

    /** Whether {@code name} holds floating-point values rnn4j converts to float; a clear error if absent. */
    boolean isFloatingPoint(String name) throws MalformedFileException;

    /** The element type of {@code name} as the format names it ({@code I64}, {@code f4}, ...), for messages. */
    String typeName(String name) throws MalformedFileException;

    /** A floating-point tensor converted to float. */
    float[] floats(String name) throws MalformedFileException;

    /**
     * Reads {@code path} as whichever of the two formats it is, told by its first bytes (a zip archive is an
     * {@code .npz}), not by its name.
     */
    static TensorSource read(Path path) throws IOException {
        byte[] head = new byte[NpzFile.ZIP_MAGIC.length];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n == head.length && java.util.Arrays.equals(head, NpzFile.ZIP_MAGIC)) {
            return NpzFile.read(path);
        }
        return SafetensorsFile.read(path);
    }
}
