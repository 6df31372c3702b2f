package dev.rnn4j.opencl;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.BackendUnavailableException;
import dev.rnn4j.spi.Availability;
import dev.rnn4j.spi.BackendProvider;
import dev.rnn4j.spi.ProbeCache;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenCL backend's provider. Its probe loads JOCL behind a guard and lists the platforms and devices it finds,
 * or says why it found none (no ICD loader, no installed driver); {@link #open} builds the shared kernels for the
 * chosen device ({@code opencl}, {@code opencl:<index>} or a device-name substring).
 *
 * <p>OpenCL drivers may replace the JVM's signal handlers when they load (PoCL does, through LLVM), after which the
 * JVM can die at any time with "Segmentation fault" and no crash report. On Linux, start the JVM with the JDK's
 * {@code libjsig.so} preloaded ({@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}; the {@code rnn4j} launcher and the
 * build's test JVMs do); the probe logs a warning when it is not.
 */
public final class OpenClBackendProvider implements BackendProvider {
    /** The name users select it by. */
    public static final String NAME = "opencl";
    private static final String INSTALL = "install an OpenCL ICD loader and a driver, e.g. "
            + "'apt-get install ocl-icd-libopencl1 pocl-opencl-icd' (CPUs) or your GPU vendor's OpenCL driver";

    private static final ProbeCache PROBE = new ProbeCache(OpenClBackendProvider::probeOnce);
    private static final Logger LOG = LoggerFactory.getLogger(OpenClBackendProvider.class);

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Above the CPU backend where a GPU or accelerator is present; below it where OpenCL only reaches CPUs (PoCL):
     * there the Vector API kernels are the faster way, and {@code auto} should take them. An explicit
     * {@code opencl} still opens the CPU device.
     */
    @Override
    public int priority() {
        return PROBE.get().available() && !onlyCpuDevices ? 20 : 5;
    }

    private static volatile boolean onlyCpuDevices;

    @Override
    public Availability probe() {
        return PROBE.get();
    }

    private static Availability probeOnce() {
        warnWithoutSignalChaining();
        List<OpenClDevices.Device> devices;
        try {
            devices = OpenClDevices.list();
        } catch (LinkageError e) {
            return Availability.unavailable("the OpenCL library could not be loaded (libOpenCL.so.1 not found or "
                    + "unusable: " + e.getMessage() + ")", INSTALL);
        } catch (RuntimeException e) {
            return Availability.unavailable("OpenCL platform query failed: " + e.getMessage(), INSTALL);
        }
        if (devices.isEmpty()) {
            return Availability.unavailable("no OpenCL platform found (the ICD loader is present but no driver is "
                    + "installed)", INSTALL);
        }
        String found = devices.stream().map(OpenClDevices.Device::toString).collect(Collectors.joining("; "));
        onlyCpuDevices = devices.stream().allMatch(OpenClDevices.Device::cpu);
        return Availability.available(found + (onlyCpuDevices ? "; CPU devices only, so auto ranks it below the "
                + "cpu backend" : ""));
    }

    /** Whether the JDK's signal-chaining library is preloaded, so drivers cannot take the JVM's signal handlers. */
    static boolean signalChainingPreloaded() {
        String preload = System.getenv("LD_PRELOAD");
        return preload != null && preload.contains("libjsig");
    }

    private static void warnWithoutSignalChaining() {
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux") && !signalChainingPreloaded()) {
            LOG.warn("rnn4j opencl: libjsig is not preloaded; an OpenCL driver that installs its own signal handlers "
                    + "(PoCL does) can make this JVM crash with 'Segmentation fault'. Start java with "
                    + "LD_PRELOAD=$JAVA_HOME/lib/libjsig.so (the rnn4j launcher does)");
        }
    }

    @Override
    public Backend open(BackendOptions options) {
        Availability a = probe();
        if (!a.available()) {
            throw BackendUnavailableException.of(NAME, a);
        }
        return new OpenClBackend(options);
    }
}
