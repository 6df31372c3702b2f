package dev.rnn4j.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A NumPy {@code .npz} archive: a zip of {@code .npy} arrays, as {@code np.savez} and {@code np.savez_compressed}
 * write them (a state_dict saved with {@code np.savez(path, **{k: v.numpy() for k, v in sd.items()})}, say). Read
 * whole on opening, each array checked as {@link NpyArray} checks it; an archive of more than {@link #MAX_ENTRIES}
 * entries is refused before any is read.
 */
public final class NpzFile implements TensorSource {
    /** A zip archive's first bytes, which {@link TensorSource#read} tells an {@code .npz} by. */
    static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    /** More arrays than any model has; bounds what a hostile central directory can make the reader walk. */
    public static final int MAX_ENTRIES = 1 << 16;
    private static final String NPY = ".npy";

    private final String source;
    private final Map<String, NpyArray> arrays;

    private NpzFile(String source, Map<String, NpyArray> arrays) {
        this.source = source;
        this.arrays = Collections.unmodifiableMap(arrays);
    }

    /**
     * Reads every array of {@code path}. Entries not named {@code *.npy} are refused (an {@code .npz} holds nothing
     * else); names lose their {@code .npy}, as {@code np.load} gives them.
     */
    public static NpzFile read(Path path) throws IOException {
        String source = path.toString();
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(path.toFile())) {
            if (zip.size() > MAX_ENTRIES) {
                throw new MalformedFileException(source + ": " + zip.size() + " entries, over the limit of "
                        + MAX_ENTRIES);
            }
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory() || !e.getName().endsWith(NPY)) {
                    throw new MalformedFileException(source + ": entry '" + e.getName() + "' is not an .npy array");
                }
                String name = e.getName().substring(0, e.getName().length() - NPY.length());
                if (arrays.containsKey(name)) {
                    throw new MalformedFileException(source + ": array '" + name + "' appears twice");
                }
                try (InputStream in = zip.getInputStream(e)) {
                    arrays.put(name, NpyArray.read(in, source + ": array '" + name + "'"));
                }
            }
        } catch (ZipException | EOFException e) {
            throw new MalformedFileException(source + ": not a readable .npz (zip) archive: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            // The zip reader's own refusal of an entry name that is not valid in the archive's encoding.
            throw new MalformedFileException(source + ": an entry name the zip reader refuses: " + e.getMessage());
        }
        return new NpzFile(source, arrays);
    }

    /**
     * Writes {@code values} (by name, each with its shape in {@code shapes}) as an {@code .npz} of float32 arrays that
     * {@code np.load} reads; atomically (temporary file, then rename).
     */
    public static void write(Path path, Map<String, float[]> values, Map<String, long[]> shapes) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + path.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (OutputStream file = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
                 ZipOutputStream zip = new ZipOutputStream(file)) {
                for (Map.Entry<String, float[]> v : values.entrySet()) {
                    long[] shape = shapes.get(v.getKey());
                    if (shape == null) {
                        throw new IllegalArgumentException("no shape for '" + v.getKey() + "'");
                    }
                    zip.putNextEntry(new ZipEntry(v.getKey() + NPY));
                    NpyArray.writeFloats(zip, v.getValue(), shape);
                    zip.closeEntry();
                }
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public Set<String> names() {
        return arrays.keySet();
    }

    /** The array called {@code name}; a clear error if absent. */
    public NpyArray array(String name) throws MalformedFileException {
        NpyArray a = arrays.get(name);
        if (a == null) {
            throw new MalformedFileException(source + ": no array '" + name + "' (has " + arrays.keySet() + ")");
        }
        return a;
    }

    @Override
    public long[] shape(String name) throws MalformedFileException {
        return array(name).shape();
    }

    @Override
    public boolean isFloatingPoint(String name) throws MalformedFileException {
        return array(name).isFloatingPoint();
    }

    @Override
    public String typeName(String name) throws MalformedFileException {
        return array(name).dtype();
    }

    @Override
    public float[] floats(String name) throws MalformedFileException {
        NpyArray a = array(name);
        if (!a.isFloatingPoint()) {
            throw new MalformedFileException(source + ": array '" + name + "' is " + a.dtype()
                    + "; expected a floating-point dtype (f2, f4, f8)");
        }
        return a.floats();
    }

    @Override
    public String toString() {
        return "npz " + source + " " + Arrays.toString(arrays.keySet().toArray());
    }
}
