package dev.rnn4j.opencl;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.BackendSelector;
import dev.rnn4j.BackendUnavailableException;
import dev.rnn4j.spi.Availability;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenClProbeTest {

    @Test
    void probeReportsDevicesOrWhyThereAreNone() {
        Availability a = new OpenClBackendProvider().probe();
        assertFalse(a.detail().isBlank());
        assertFalse(a.available() && a.detail().contains("not implemented"));
        if (!a.available()) {
            assertFalse(a.remedy().isBlank());
        }
        // On CI PoCL is installed (.ci/run), so the probe must have found a device by name.
        if (System.getenv("CI") != null) {
            assertTrue(a.detail().contains("opencl:0"), a.detail());
        }
    }

    @Test
    void explicitRequestFailsWithTheProbeReason() {
        OpenClBackendProvider p = new OpenClBackendProvider();
        if (p.probe().available()) {
            return;
        }
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> new BackendSelector(List.of(p)).open("opencl:0"));
        assertTrue(e.getMessage().contains(p.probe().detail()), e.getMessage());
    }
}
