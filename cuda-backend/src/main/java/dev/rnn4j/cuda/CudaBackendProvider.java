package dev.rnn4j.cuda;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.BackendUnavailableException;
import dev.rnn4j.kernels.KernelSource;
import dev.rnn4j.spi.Availability;
import dev.rnn4j.spi.BackendProvider;
import dev.rnn4j.spi.ProbeCache;
import java.util.stream.Collectors;

/**
 * The CUDA backend's provider. Its probe loads JCuda behind a guard and turns every way of failing into a reason:
 * {@code libcuda.so.1} not found (no NVIDIA driver), {@code cuInit} errors, no device, a build of the kernels
 * without a CUDA fatbin, a device older than the kernels' compute capability. A machine that passes opens a
 * {@link CudaBackend} on the chosen device.
 */
public final class CudaBackendProvider implements BackendProvider {
    /** The name users select it by. */
    public static final String NAME = "cuda";
    private static final String DRIVER = "install the NVIDIA driver (it provides libcuda.so.1) on a machine with an "
            + "NVIDIA GPU, or choose another backend";

    private static final ProbeCache PROBE = new ProbeCache(CudaBackendProvider::probeOnce);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 30;
    }

    @Override
    public Availability probe() {
        return PROBE.get();
    }

    private static Availability probeOnce() {
        CudaDevices.Survey survey;
        try {
            survey = CudaDevices.survey();
        } catch (LinkageError e) {
            return Availability.unavailable(describeLoadFailure(e), DRIVER);
        }
        if (survey.failure() != null) {
            if (CudaFailures.isSticky(survey.failure())) {
                return Availability.unavailable("the CUDA driver answers " + survey.failure() + ": an earlier "
                        + "fault in this process", CudaFailures.RECOVERY);
            }
            return Availability.unavailable("the CUDA driver is installed but " + survey.failure()
                    + (survey.failure().contains("NO_DEVICE") ? " (no CUDA device)" : ""),
                    "check nvidia-smi: the GPU must be visible and the driver loaded");
        }
        if (survey.devices().isEmpty()) {
            return Availability.unavailable("no CUDA device", "check nvidia-smi and CUDA_VISIBLE_DEVICES");
        }
        String found = survey.devices().stream().map(CudaDevices.Device::toString).collect(Collectors.joining("; "));
        String driver = "driver " + survey.driverVersion() / 1000 + "." + survey.driverVersion() % 1000 / 10;
        if (!KernelSource.hasCudaFatbin()) {
            return Availability.unavailable("found " + driver + " and " + found + "; but this build of rnn4j-kernels "
                    + "has no CUDA fatbin (it was built without nvcc)", KernelSource.FATBIN_REMEDY);
        }
        boolean runnable = survey.devices().stream().anyMatch(d -> d.major() * 10 + d.minor() >= 75);
        if (!runnable) {
            return Availability.unavailable("found " + driver + " and " + found + "; the kernels need compute "
                    + "capability 7.5 or newer", "use a Turing or newer GPU, or backend 'opencl' or 'cpu'");
        }
        return Availability.available(driver + "; " + found);
    }

    /** Names the missing library when the loader's messages say which; otherwise passes the messages on. */
    static String describeLoadFailure(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(' ').append(t.getMessage());
            for (Throwable s : t.getSuppressed()) {
                all.append(' ').append(s.getMessage());
            }
        }
        String text = all.toString();
        if (text.contains("libcuda.so")) {
            return "libcuda.so.1 not found: the NVIDIA driver is not installed here";
        }
        return "JCuda's native library could not be loaded:" + text;
    }

    @Override
    public Backend open(BackendOptions options) {
        Availability a = probe();
        if (!a.available()) {
            throw BackendUnavailableException.of(NAME, a);
        }
        return new CudaBackend(options);
    }
}
