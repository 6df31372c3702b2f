package dev.rnn4j.bench;

import static dev.rnn4j.bench.Rnn4jCommandTest.rnn4j;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve-bench} on a tiny model for a fraction of a second: the load runs in each mode and the JSON holds what
 * its contract names. The figures themselves are benchmarks, not checked here.
 */
class ServeBenchCommandTest {
    private static final String[] TINY = {"--backend", "cpu", "--hidden", "8", "--input", "4", "--seconds", "0.4",
        "--warmup-seconds", "0.1"};

    private static String[] with(String... more) {
        String[] all = new String[1 + TINY.length + more.length];
        all[0] = "serve-bench";
        System.arraycopy(TINY, 0, all, 1, TINY.length);
        System.arraycopy(more, 0, all, 1 + TINY.length, more.length);
        return all;
    }

    private static JsonNode json(Path file) throws Exception {
        return new ObjectMapper().readTree(file.toFile());
    }

    @Test
    void sessionModeReportsThroughputLatencyAndBatches(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("s.json");
        Rnn4jCommandTest.Result r = rnn4j(with("--clients", "8", "--steps", "5", "--json", out.toString()));
        assertEquals(0, r.status(), r.err());
        JsonNode j = json(out);
        assertEquals("session", j.path("mode").asText());
        assertTrue(j.path("requests_per_s").asDouble() > 0, j.toString());
        for (String k : new String[] {"p50_ms", "p95_ms", "p99_ms"}) {
            assertTrue(j.path(k).asDouble() > 0, k + " in " + j);
        }
        assertTrue(j.path("p50_ms").asDouble() <= j.path("p99_ms").asDouble(), j.toString());
        assertTrue(j.path("mean_batch").asDouble() >= 1, j.toString());
        assertTrue(j.path("offline").path("requests_per_s").asDouble() > 0, j.toString());
        assertTrue(r.out().contains("mean batch"), r.out());
    }

    @Test
    void directModeAndOpenLoop(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("d.json");
        Rnn4jCommandTest.Result r = rnn4j(with("--mode", "direct", "--clients", "2", "--rate", "200", "--steps", "3",
                "--no-offline", "--json", out.toString()));
        assertEquals(0, r.status(), r.err());
        JsonNode j = json(out);
        assertEquals("open", j.path("loop").asText());
        assertEquals(0, j.path("mean_batch").asDouble());
        double rate = j.path("requests_per_s").asDouble();
        assertTrue(rate > 50 && rate < 400, "an open loop at 200/s serves about 200/s: " + j);
        assertTrue(j.path("offline").isMissingNode(), j.toString());
    }

    @Test
    void streamsReportStepsPerSecond(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("t.json");
        Rnn4jCommandTest.Result r = rnn4j(with("--streams", "40", "--clients", "4", "--layers", "2", "--rounds", "2",
                "--json", out.toString()));
        assertEquals(0, r.status(), r.err());
        JsonNode j = json(out);
        assertTrue(j.path("steps_per_s").asDouble() > 0, j.toString());
        assertEquals(1, j.path("steps").asInt());
        assertEquals(40, j.path("offline").path("batch").asInt());
        assertEquals(2, j.path("rounds").size(), "each round kept beside the medians");
        assertTrue(j.path("mean_batch").asDouble() > 1, "a tick's feeds share batches: " + j);
    }

    @Test
    void badOptionsAreUsageErrors() {
        Rnn4jCommandTest.Result r = rnn4j(with("--mode", "sideways"));
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--mode must be session or direct"), r.err());
        r = rnn4j(with("--engine", "nonesuch"));
        assertEquals(2, r.status());
        assertTrue(r.err().contains("no engine 'nonesuch'"), r.err());
    }
}
