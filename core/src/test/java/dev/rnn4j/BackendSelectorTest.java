package dev.rnn4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.spi.Availability;
import dev.rnn4j.spi.BackendProvider;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendSelectorTest {

    /** A provider that is never available, with a fixed reason. */
    record Absent(String name, int priority, String reason) implements BackendProvider {
        @Override
        public Availability probe() {
            return Availability.unavailable(reason, "install the thing");
        }

        @Override
        public Backend open(BackendOptions options) {
            throw new AssertionError("must not be opened");
        }
    }

    /** A provider whose probe throws: the selector must treat it as unavailable, not crash. */
    record Broken(String name, int priority) implements BackendProvider {
        @Override
        public Availability probe() {
            throw new UnsatisfiedLinkError("libbroken.so: cannot open shared object file");
        }

        @Override
        public Backend open(BackendOptions options) {
            throw new AssertionError("must not be opened");
        }
    }

    private final BackendSelector selector = new BackendSelector(List.of(new ReferenceBackendProvider(),
            new Absent("cuda", 30, "libcuda.so.1 not found"), new Broken("opencl", 20)));

    @Test
    void requestPrecedenceIsArgumentPropertyEnvironmentAuto() {
        Map<String, String> props = Map.of(BackendSelector.PROPERTY, "opencl");
        Map<String, String> env = Map.of(BackendSelector.ENVIRONMENT, "cuda:1");
        assertEquals("cpu", BackendSelector.request("cpu", props::get, env::get));
        assertEquals("opencl", BackendSelector.request(null, props::get, env::get));
        assertEquals("opencl", BackendSelector.request("  ", props::get, env::get));
        assertEquals("cuda:1", BackendSelector.request(null, k -> null, env::get));
        assertEquals("auto", BackendSelector.request(null, k -> null, k -> null));
    }

    /** auto's log names every provider it did not choose, also the available ones ranked below its choice. */
    @Test
    void autoSaysWhyTheLowerRankedProvidersWereNotChosen() {
        ReferenceBackendProvider reference = new ReferenceBackendProvider();
        BackendSelector s = new BackendSelector(List.of(reference, new Absent("cuda", 30, "libcuda.so.1 not found"),
                new Absent("tpu", -1, "no tpu here")));
        BackendProvider referenceInList = s.providers().stream().filter(p -> p.name().equals("reference"))
                .findFirst().orElseThrow();
        assertEquals("; not chosen: tpu: no tpu here", s.lowerRanked(referenceInList));
        BackendProvider cuda = s.providers().get(0);
        assertEquals("; not chosen: reference: available but ranked below 'cuda' (priority 0 < 30); tpu: no tpu here",
                s.lowerRanked(cuda));
    }

    @Test
    void autoTakesTheHighestPriorityAvailableProvider() {
        assertEquals(List.of("cuda", "opencl", "reference"), selector.providers().stream().map(BackendProvider::name).toList());
        assertEquals("reference", selector.autoChoice().orElseThrow().name());
        try (Backend b = selector.open("auto")) {
            assertEquals("reference", b.name());
        }
        try (Backend b = selector.open(null)) {
            assertEquals("reference", b.name());
        }
    }

    @Test
    void anExplicitUnavailableBackendFailsWithReasonAndRemedy() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> selector.open("CUDA:0"));
        assertEquals("cuda", e.backend());
        assertTrue(e.getMessage().contains("libcuda.so.1 not found"), e.getMessage());
        assertTrue(e.getMessage().contains("install the thing"), e.getMessage());
        BackendUnavailableException broken = assertThrows(BackendUnavailableException.class, () -> selector.open("opencl"));
        assertTrue(broken.getMessage().contains("libbroken.so"), broken.getMessage());
    }

    @Test
    void unknownNamesListTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> selector.open("gpu"));
        assertTrue(e.getMessage().contains("known: auto, cuda, opencl, reference"), e.getMessage());
        assertTrue(e.getMessage().contains("say 'cuda' or 'opencl'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> selector.open("auto:1"));
        assertThrows(IllegalArgumentException.class, () -> selector.open("reference:3"));
    }

    @Test
    void autoWithNothingAvailableSaysWhyForEachProvider() {
        BackendSelector none = new BackendSelector(List.of(new Absent("cuda", 30, "no CUDA device")));
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> none.open("auto"));
        assertTrue(e.getMessage().contains("cuda: no CUDA device"), e.getMessage());
    }

    @Test
    void installedProvidersIncludeTheReference() {
        assertTrue(BackendSelector.installed().providers().stream().anyMatch(p -> p.name().equals("reference")));
    }
}
