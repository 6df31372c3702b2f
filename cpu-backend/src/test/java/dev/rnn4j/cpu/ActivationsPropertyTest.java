package dev.rnn4j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code -Drnn4j.cpu.activations}: intrinsic by default, exact on request, anything else refused with the fix. */
class ActivationsPropertyTest {
    @Test
    void readsTheTwoSettingsAndRefusesOthers() {
        String key = CpuBackendProvider.ACTIVATIONS_PROPERTY;
        String before = System.getProperty(key);
        try {
            System.clearProperty(key);
            assertEquals(false, CpuBackendProvider.exactActivations());
            System.setProperty(key, "exact");
            assertEquals(true, CpuBackendProvider.exactActivations());
            System.setProperty(key, " intrinsic ");
            assertEquals(false, CpuBackendProvider.exactActivations());
            System.setProperty(key, "fast");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    CpuBackendProvider::exactActivations);
            assertTrue(e.getMessage().contains("-Drnn4j.cpu.activations=fast is neither 'intrinsic' nor 'exact'"),
                    e.getMessage());
            dev.rnn4j.spi.Availability a = CpuBackendProvider.probeOnce();
            assertEquals(false, a.available());
            assertTrue(a.detail().contains("neither 'intrinsic' nor 'exact'") && a.remedy().contains("intrinsic or exact"),
                    a.toString());
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }
}
