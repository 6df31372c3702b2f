package dev.rnn4j.opencl;

import static org.jocl.CL.CL_PROGRAM_BINARIES;
import static org.jocl.CL.CL_PROGRAM_BINARY_SIZES;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;

import dev.rnn4j.BackendOptions;
import dev.rnn4j.BackendUnavailableException;
import dev.rnn4j.kernels.KernelSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared kernels built for one device, and their kernel objects. A build is cached on disk as the driver's
 * program binary, keyed by the source's digest, the device, its driver and platform versions and the build
 * options; an entry carries its own SHA-256, and one that is unreadable, corrupt or refused by the driver is
 * deleted and rebuilt from source, never trusted. The cache lives in {@code -Drnn4j.cache.dir}, else
 * {@code $XDG_CACHE_HOME/rnn4j}, else {@code ~/.cache/rnn4j}; {@code -Drnn4j.opencl.cache=false} turns it off.
 */
final class OpenClProgram implements AutoCloseable {
    /** The system property that turns the program cache off ({@code false}). */
    static final String CACHE_PROPERTY = "rnn4j.opencl.cache";
    /** The system property naming the cache's folder. */
    static final String CACHE_DIR_PROPERTY = "rnn4j.cache.dir";
    private static final Logger LOG = LoggerFactory.getLogger(OpenClProgram.class);
    static final String OPTIONS = "-cl-std=CL1.2";
    private static final byte[] MAGIC = "rnn4j-ocl-bin-1\n".getBytes(StandardCharsets.US_ASCII);

    private cl_program program;
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    /** How the program came to be: "built from source", "loaded from cache ...". */
    final String origin;
    /** Where the binary is cached, or null when it is not. */
    final Path cacheRoot;

    private OpenClProgram(cl_program program, String origin, String[] names, Path cacheRoot) {
        this.program = program;
        this.origin = origin;
        this.cacheRoot = cacheRoot;
        try {
            for (String k : names) {
                kernels.put(k, CL.clCreateKernel(program, k, null));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    static OpenClProgram build(cl_context context, cl_device_id device, OpenClDevices.Device info, Path cacheRoot) {
        return build(context, device, info, KernelSource.opencl(), KernelSource.KERNELS, cacheRoot);
    }

    /**
     * Builds {@code source} (tests hand in broken ones) and creates {@code names}' kernels, with the binary cached
     * under {@code cacheRoot} (null: no cache).
     */
    static OpenClProgram build(cl_context context, cl_device_id device, OpenClDevices.Device info, String source,
                               String[] names, Path cacheRoot) {
        Path entry = cacheRoot == null ? null : cacheEntry(cacheRoot, source, info);
        if (entry != null && Files.isRegularFile(entry)) {
            byte[] binary = readEntry(entry);
            if (binary != null) {
                cl_program p = fromBinary(context, device, binary);
                if (p != null) {
                    return new OpenClProgram(p, "loaded from cache " + entry, names, cacheRoot);
                }
            }
            LOG.warn("rnn4j opencl: cached program {} is corrupt or refused by the driver; rebuilding", entry);
            try {
                Files.deleteIfExists(entry);
            } catch (IOException e) {
                LOG.warn("rnn4j opencl: cannot delete {}: {}", entry, e.toString());
            }
        }
        cl_program p = CL.clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            CL.clBuildProgram(p, 1, new cl_device_id[] {device}, OPTIONS, null, null);
        } catch (CLException e) {
            String log = buildLog(p, device);
            CL.clReleaseProgram(p);
            throw new BackendUnavailableException(OpenClBackendProvider.NAME, "the OpenCL driver of " + info.name()
                    + " failed to build rnn4j's kernels (" + e.getMessage() + "); build log:\n" + log, e);
        }
        if (entry != null) {
            writeEntry(entry, binaryOf(p));
        }
        return new OpenClProgram(p, "built from source", names, cacheRoot);
    }

    cl_kernel kernel(String name) {
        cl_kernel k = kernels.get(name);
        if (k == null) {
            throw new IllegalStateException("no kernel " + name);
        }
        return k;
    }

    static String buildLog(cl_program program, cl_device_id device) {
        long[] size = new long[1];
        CL.clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] log = new byte[(int) size[0]];
        CL.clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        return new String(log, StandardCharsets.UTF_8).trim();
    }

    /**
     * The cache's folder: the options', else {@code -Drnn4j.cache.dir}, else {@code $XDG_CACHE_HOME/rnn4j}, else
     * {@code ~/.cache/rnn4j}; null when the options or {@code -Drnn4j.opencl.cache=false} turn the cache off.
     */
    static Path cacheRoot(BackendOptions options) {
        boolean on = options.programCache() != null ? options.programCache()
                : !"false".equalsIgnoreCase(System.getProperty(CACHE_PROPERTY));
        if (!on) {
            return null;
        }
        if (options.cacheDirectory() != null) {
            return options.cacheDirectory();
        }
        String dir = System.getProperty(CACHE_DIR_PROPERTY);
        if (dir != null) {
            return Path.of(dir);
        } else if (System.getenv("XDG_CACHE_HOME") != null) {
            return Path.of(System.getenv("XDG_CACHE_HOME"), "rnn4j");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "rnn4j");
    }

    /** The cache file for this source on this device, under {@code root}. */
    static Path cacheEntry(Path root, String source, OpenClDevices.Device info) {
        String key = KernelSource.digest(source + "\n" + info.name() + "\n" + info.driverVersion() + "\n"
                + info.platform() + " " + info.platformVersion() + "\n" + OPTIONS);
        return root.resolve("opencl").resolve(key + ".bin");
    }

    /** The binary inside a cache entry, or null when the entry is unreadable or fails its checksum. */
    static byte[] readEntry(Path entry) {
        try {
            byte[] all = Files.readAllBytes(entry);
            int head = MAGIC.length + 32;
            if (all.length <= head || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
                return null;
            }
            byte[] binary = Arrays.copyOfRange(all, head, all.length);
            byte[] sum = Arrays.copyOfRange(all, MAGIC.length, head);
            return Arrays.equals(sum, sha256(binary)) ? binary : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes an entry atomically (temporary file, then rename); a failure only costs the next start a build. */
    static void writeEntry(Path entry, byte[] binary) {
        try {
            Files.createDirectories(entry.getParent());
            Path tmp = Files.createTempFile(entry.getParent(), entry.getFileName().toString(), ".tmp");
            ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 32 + binary.length);
            b.put(MAGIC).put(sha256(binary)).put(binary);
            Files.write(tmp, b.array());
            try {
                Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, entry, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn("rnn4j opencl: cannot cache the program binary at {}: {}", entry, e.toString());
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static cl_program fromBinary(cl_context context, cl_device_id device, byte[] binary) {
        cl_program p = null;
        try {
            int[] status = new int[1];
            p = CL.clCreateProgramWithBinary(context, 1, new cl_device_id[] {device}, new long[] {binary.length},
                    new byte[][] {binary}, status, null);
            CL.clBuildProgram(p, 1, new cl_device_id[] {device}, OPTIONS, null, null);
            return p;
        } catch (CLException e) {
            if (p != null) {
                CL.clReleaseProgram(p);
            }
            return null;
        }
    }

    private static byte[] binaryOf(cl_program p) {
        long[] sizes = new long[1];
        CL.clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(sizes), null);
        byte[] binary = new byte[(int) sizes[0]];
        CL.clGetProgramInfo(p, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(Pointer.to(binary)), null);
        return binary;
    }

    @Override
    public void close() {
        for (cl_kernel k : kernels.values()) {
            CL.clReleaseKernel(k);
        }
        kernels.clear();
        if (program != null) {
            CL.clReleaseProgram(program);
            program = null;
        }
    }
}
