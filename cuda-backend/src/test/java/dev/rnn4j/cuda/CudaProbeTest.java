package dev.rnn4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendSelector;
import dev.rnn4j.BackendUnavailableException;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.spi.Availability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CudaProbeTest {

    private static boolean driverInstalled() {
        for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/cuda/lib64",
                "/usr/lib/wsl/lib")) {
            if (Files.exists(Path.of(dir, "libcuda.so.1"))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void probeNeverThrowsAndAlwaysGivesAReason() {
        Availability a = new CudaBackendProvider().probe();
        assertFalse(a.detail().isBlank());
        if (!a.available()) {
            assertFalse(a.remedy().isBlank(), "an unavailable backend says what to do");
        }
    }

    @Test
    void requestingCudaWithoutTheDriverNamesTheMissingLibrary() {
        assumeTrue(!driverInstalled(), "this machine has libcuda.so.1");
        BackendSelector selector = new BackendSelector(List.of(new CudaBackendProvider(), new ReferenceBackendProvider()));
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> selector.open("cuda"));
        assertEquals("cuda", e.backend());
        assertTrue(e.getMessage().contains("libcuda.so.1 not found"), e.getMessage());
        assertTrue(e.getMessage().contains("install the NVIDIA driver"), e.getMessage());
        // No silent fallback, but auto still runs on what is there.
        try (Backend b = selector.open("auto")) {
            assertEquals("reference", b.name());
        }
    }

    @Test
    void loadFailuresNameLibcudaWhenTheLoaderDoes() {
        UnsatisfiedLinkError inner = new UnsatisfiedLinkError("libcuda.so.1: cannot open shared object file");
        LinkageError outer = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver\"");
        outer.initCause(inner);
        assertEquals("libcuda.so.1 not found: the NVIDIA driver is not installed here",
                CudaBackendProvider.describeLoadFailure(outer));
        assertTrue(CudaBackendProvider.describeLoadFailure(new UnsatisfiedLinkError("libfoo missing"))
                .contains("libfoo missing"));
    }
}
