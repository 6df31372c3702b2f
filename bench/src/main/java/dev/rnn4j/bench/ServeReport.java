package dev.rnn4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * {@code serve-bench}'s result: a text summary and the JSON whose top level holds {@code requests_per_s} (streams:
 * {@code steps_per_s}), {@code p50_ms}, {@code p95_ms}, {@code p99_ms} and {@code mean_batch} (0 when nothing
 * batches), with the run's settings and, where measured, the offline baseline beside them.
 */
final class ServeReport {
    static final String SCHEMA = "rnn4j-serve-bench/1";

    private final ObjectNode root = new ObjectMapper().createObjectNode();

    ServeReport(String engine, String mode, String target, String model, ServeLoad.Config c) {
        root.put("schema", SCHEMA);
        root.put("engine", engine);
        root.put("mode", mode);
        root.put("target", target);
        root.put("model", model);
        root.put("clients", c.clients());
        root.put("loop", c.rate() > 0 ? "open" : "closed");
        root.put("rate_per_s", c.rate());
        root.put("streams", c.streams());
        root.put("steps", c.steps());
        root.put("seconds", c.measureNanos() / 1e9);
        root.put("warmup_seconds", c.warmupNanos() / 1e9);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e6;
    }

    void result(ServeLoad.Result r, boolean streams, ServeTarget.SessionFigures session) {
        root.put(streams ? "steps_per_s" : "requests_per_s", streams ? r.stepsPerSecond() : r.perSecond());
        if (streams) {
            root.put("feeds_per_s", r.perSecond());
        }
        root.put("p50_ms", ms(r.latency(), 50));
        root.put("p95_ms", ms(r.latency(), 95));
        root.put("p99_ms", ms(r.latency(), 99));
        root.put("p999_ms", ms(r.latency(), 99.9));
        root.put("max_ms", r.latency().getTotalCount() == 0 ? 0 : r.latency().getMaxValue() / 1e6);
        root.put("completed", r.completed());
        root.put("cpu_ms_per_" + (streams ? "feed" : "request"), r.cpuMsPerCompleted());
        root.put("mean_batch", session == null ? 0 : session.meanBatch());
        if (session != null) {
            ObjectNode s = root.putObject("session");
            s.put("batches", session.batches());
            s.put("largest_batch", session.largestBatch());
            s.put("queue_wait_p50_ms", session.queueWaitP50Ms());
            s.put("queue_wait_p99_ms", session.queueWaitP99Ms());
            s.put("compute_p50_ms", session.computeP50Ms());
            s.put("compute_p99_ms", session.computeP99Ms());
            s.put("open_streams", session.openStreams());
        }
    }

    /** The offline baseline: the same layer, one batch of {@code batch}, and the served rate's ratio to it. */
    void offline(double perSecond, int batch, boolean streams) {
        ObjectNode o = root.putObject("offline");
        o.put("batch", batch);
        o.put(streams ? "steps_per_s" : "requests_per_s", perSecond);
        double served = root.path(streams ? "steps_per_s" : "requests_per_s").asDouble();
        o.put("served_over_offline", perSecond == 0 ? 0 : served / perSecond);
    }

    ObjectNode json() {
        return root;
    }

    String text() {
        boolean streams = root.has("steps_per_s");
        StringBuilder b = new StringBuilder();
        b.append(root.path("target").asText()).append('\n');
        b.append(String.format(Locale.ROOT, "  %s, %s loop, %d clients%s: %.1f %s/s, p50 %.3f ms, p95 %.3f, p99 %.3f,"
                        + " max %.3f; %.4f CPU ms per %s%n",
                root.path("model").asText(), root.path("loop").asText(), root.path("clients").asInt(),
                streams ? ", " + root.path("streams").asInt() + " streams" : "",
                root.path(streams ? "steps_per_s" : "requests_per_s").asDouble(), streams ? "steps" : "requests",
                root.path("p50_ms").asDouble(), root.path("p95_ms").asDouble(), root.path("p99_ms").asDouble(),
                root.path("max_ms").asDouble(), root.path(streams ? "cpu_ms_per_feed" : "cpu_ms_per_request")
                        .asDouble(), streams ? "feed" : "request"));
        if (root.has("session")) {
            ObjectNode s = (ObjectNode) root.get("session");
            b.append(String.format(Locale.ROOT, "  session: mean batch %.2f (largest %d, %d batches), queue wait p50 "
                            + "%.3f ms p99 %.3f, compute p50 %.3f ms p99 %.3f%n",
                    root.path("mean_batch").asDouble(), s.path("largest_batch").asLong(), s.path("batches").asLong(),
                    s.path("queue_wait_p50_ms").asDouble(), s.path("queue_wait_p99_ms").asDouble(),
                    s.path("compute_p50_ms").asDouble(), s.path("compute_p99_ms").asDouble()));
        }
        if (root.has("offline")) {
            ObjectNode o = (ObjectNode) root.get("offline");
            b.append(String.format(Locale.ROOT, "  offline, one batch of %d: %.1f %s/s; served / offline = %.3f%n",
                    o.path("batch").asInt(), o.path(streams ? "steps_per_s" : "requests_per_s").asDouble(),
                    streams ? "steps" : "requests", o.path("served_over_offline").asDouble()));
        }
        return b.toString();
    }

    void write(Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }
}
