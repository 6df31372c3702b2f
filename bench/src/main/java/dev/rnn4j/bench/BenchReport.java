package dev.rnn4j.bench;

import dev.rnn4j.BuildInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of a benchmark run, and the three ways they are written: an aligned terminal table (one per backend,
 * plus a side-by-side comparison when several ran), JSON (documented by the JSON Schema {@code result-schema.json}
 * shipped beside this class) and CSV (one line per row and backend, the JSON row fields as columns). Files are
 * written atomically.
 */
final class BenchReport {
    /** Identifies the JSON layout; bumped when a field changes meaning or goes away. */
    static final String SCHEMA = "rnn4j-bench/1";

    /** One backend that took part. */
    record BackendInfo(String name, String device, long memoryBytes, int computeUnits, String description,
                       Double sgemmPeakGflops, int sgemmPeakSize) {
        BackendInfo withPeak(double gflops) {
            return new BackendInfo(name, device, memoryBytes, computeUnits, description, gflops, sgemmPeakSize);
        }
    }

    final Map<String, Object> options = new LinkedHashMap<>();
    final List<BackendInfo> backends = new ArrayList<>();
    final List<String> skippedBackends = new ArrayList<>();
    final List<RowResult> rows = new ArrayList<>();

    /** The columns of the CSV and the fields of a JSON row, in order. */
    static final List<String> ROW_FIELDS = List.of("backend", "cell", "mode", "input", "hidden", "batch", "steps",
            "layers", "bidirectional", "status", "note", "forward_ms", "backward_data_ms", "backward_weights_ms",
            "total_ms", "total_min_ms", "total_max_ms", "spread_pct", "gflops", "peak_fraction", "workspace_bytes",
            "reserve_bytes", "parameter_bytes", "verify_max_rel_error", "verify_shape", "verify_ok",
            "weights", "weights_max_rel_error");

    static Map<String, Object> fields(RowResult r) {
        BenchRow row = r.row();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", r.backend());
        m.put("cell", row.spec().cell().name());
        m.put("mode", row.training() ? "train" : "infer");
        m.put("input", row.spec().inputSize());
        m.put("hidden", row.spec().hiddenSize());
        m.put("batch", row.batch());
        m.put("steps", row.steps());
        m.put("layers", row.spec().layers());
        m.put("bidirectional", row.spec().bidirectional());
        m.put("status", r.status());
        m.put("note", r.note());
        m.put("forward_ms", r.forwardMs());
        m.put("backward_data_ms", r.backwardDataMs());
        m.put("backward_weights_ms", r.backwardWeightsMs());
        m.put("total_ms", r.totalMs());
        m.put("total_min_ms", r.totalMinMs());
        m.put("total_max_ms", r.totalMaxMs());
        m.put("spread_pct", r.spreadPercent());
        m.put("gflops", r.gflops());
        m.put("peak_fraction", r.peakFraction());
        m.put("workspace_bytes", r.workspaceBytes());
        m.put("reserve_bytes", r.reserveBytes());
        m.put("parameter_bytes", r.parameterBytes());
        m.put("verify_max_rel_error", r.verifyError());
        m.put("verify_shape", r.verifyShape());
        m.put("verify_ok", r.verifyOk());
        m.put("weights", r.weights().label());
        m.put("weights_max_rel_error", r.weightsError());
        return m;
    }

    // ---- terminal ----

    void printTables(PrintWriter out) {
        for (BackendInfo b : backends) {
            out.printf("%nbackend %s: %s (%s)%s%n", b.name(), b.device(), b.description(),
                    b.sgemmPeakGflops() == null ? ""
                            : String.format(Locale.ROOT, "; SGEMM %d³ %.1f GFLOP/s", b.sgemmPeakSize(),
                            b.sgemmPeakGflops()));
            List<String[]> lines = new ArrayList<>();
            boolean rounded = rows.stream().anyMatch(r -> r.weightsError() != null);
            List<String> header = new ArrayList<>(List.of("row", "forward ms", "bwd-data ms", "bwd-weights ms",
                    "total ms", "spread", "GFLOP/s", "of peak", "workspace", "reserve", "verify"));
            if (rounded) {
                header.add("vs fp32");
            }
            lines.add(header.toArray(String[]::new));
            for (RowResult r : rows) {
                if (!r.backend().equals(b.name())) {
                    continue;
                }
                if (r.totalMs() == null) {
                    lines.add(new String[] {r.label(), r.status() + ": " + r.note()});
                    continue;
                }
                List<String> cells = new ArrayList<>(List.of(r.label(), ms(r.forwardMs()),
                        ms(r.backwardDataMs()), ms(r.backwardWeightsMs()), ms(r.totalMs()), pct(r.spreadPercent()),
                        num(r.gflops(), "%.1f"), r.peakFraction() == null ? "-" : pct(100 * r.peakFraction()),
                        RowRunner.mib(r.workspaceBytes()), RowRunner.mib(r.reserveBytes()), verify(r)));
                if (rounded) {
                    cells.add(num(r.weightsError(), "%.1e"));
                }
                lines.add(cells.toArray(String[]::new));
            }
            printAligned(out, lines);
        }
        for (String s : skippedBackends) {
            out.printf("%nbackend %s%n", s);
        }
        if (backends.size() > 1) {
            printComparison(out);
        }
        out.flush();
    }

    /** Totals side by side, and each backend's speedup over the slowest-ranked (lowest priority) one that ran. */
    private void printComparison(PrintWriter out) {
        out.printf("%nside by side (total ms; speedup over %s)%n", backends.get(backends.size() - 1).name());
        List<String[]> lines = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("row"));
        for (BackendInfo b : backends) {
            header.add(b.name() + " ms");
        }
        for (BackendInfo b : backends.subList(0, backends.size() - 1)) {
            header.add(b.name() + " speedup");
        }
        lines.add(header.toArray(String[]::new));
        Map<String, Map<String, RowResult>> byRow = new LinkedHashMap<>();
        for (RowResult r : rows) {
            byRow.computeIfAbsent(r.label(), k -> new LinkedHashMap<>()).put(r.backend(), r);
        }
        for (Map.Entry<String, Map<String, RowResult>> e : byRow.entrySet()) {
            List<String> cells = new ArrayList<>(List.of(e.getKey()));
            for (BackendInfo b : backends) {
                RowResult r = e.getValue().get(b.name());
                cells.add(r == null || r.totalMs() == null ? (r == null ? "-" : r.status()) : ms(r.totalMs()));
            }
            RowResult base = e.getValue().get(backends.get(backends.size() - 1).name());
            for (BackendInfo b : backends.subList(0, backends.size() - 1)) {
                RowResult r = e.getValue().get(b.name());
                boolean both = base != null && base.totalMs() != null && r != null && r.totalMs() != null;
                cells.add(both ? String.format(Locale.ROOT, "%.2fx", base.totalMs() / r.totalMs()) : "-");
            }
            lines.add(cells.toArray(String[]::new));
        }
        printAligned(out, lines);
    }

    private static String verify(RowResult r) {
        if (r.verifyOk() == null) {
            return "-";
        }
        return String.format(Locale.ROOT, "%s %.1e", r.verifyOk() ? "ok" : "FAILED", r.verifyError());
    }

    private static String ms(Double v) {
        return num(v, v != null && v < 10 ? "%.3f" : "%.1f");
    }

    private static String pct(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.0f%%", v);
    }

    private static String num(Double v, String format) {
        return v == null ? "-" : String.format(Locale.ROOT, format, v);
    }

    /** Columns padded to their widest cell; a line with fewer cells runs its last cell on. */
    static void printAligned(PrintWriter out, List<String[]> lines) {
        int columns = lines.get(0).length;
        int[] width = new int[columns];
        for (String[] l : lines) {
            if (l.length == columns) {
                for (int c = 0; c < columns; c++) {
                    width[c] = Math.max(width[c], l[c].length());
                }
            }
        }
        for (String[] l : lines) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < l.length; c++) {
                boolean last = c == l.length - 1;
                String cell = l[c];
                if (c == 0) {
                    sb.append(last ? cell : String.format("%-" + width[0] + "s", cell));
                } else {
                    sb.append("  ").append(last && l.length < columns ? cell
                            : String.format("%" + width[c] + "s", cell));
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    // ---- files ----

    ObjectNode json() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("schema", SCHEMA);
        root.put("rnn4j_version", Rnn4jCommand.version());
        root.put("rnn4j_commit", BuildInfo.commit());
        root.put("created", Instant.now().toString());
        ObjectNode jvm = root.putObject("jvm");
        jvm.put("name", System.getProperty("java.vm.name"));
        jvm.put("version", System.getProperty("java.version"));
        jvm.put("vendor", System.getProperty("java.vendor"));
        ObjectNode host = root.putObject("host");
        host.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        host.put("arch", System.getProperty("os.arch"));
        host.put("cpus", Runtime.getRuntime().availableProcessors());
        host.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        root.set("options", mapper.valueToTree(options));
        ArrayNode bs = root.putArray("backends");
        for (BackendInfo b : backends) {
            ObjectNode n = bs.addObject();
            n.put("name", b.name());
            n.put("device", b.device());
            n.put("device_memory_bytes", b.memoryBytes());
            n.put("compute_units", b.computeUnits());
            n.put("description", b.description());
            if (b.sgemmPeakGflops() == null) {
                n.putNull("sgemm_peak_gflops");
            } else {
                n.put("sgemm_peak_gflops", b.sgemmPeakGflops());
            }
            n.put("sgemm_peak_size", b.sgemmPeakSize());
        }
        ArrayNode skipped = root.putArray("skipped_backends");
        skippedBackends.forEach(skipped::add);
        ArrayNode rs = root.putArray("rows");
        for (RowResult r : rows) {
            rs.add(mapper.valueToTree(fields(r)));
        }
        return root;
    }

    void writeJson(Path file) throws IOException {
        writeAtomically(file, w -> w.write(jsonText()));
    }

    /** The JSON to a stream the caller owns (standard output): written and flushed, not closed. */
    void writeJson(PrintWriter out) throws IOException {
        out.print(jsonText());
        out.flush();
    }

    private String jsonText() throws IOException {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json()) + "\n";
    }

    void writeCsv(Path file) throws IOException {
        writeAtomically(file, this::writeCsvTo);
    }

    /** The CSV to a stream the caller owns (standard output): written and flushed, not closed. */
    void writeCsv(PrintWriter out) throws IOException {
        writeCsvTo(out);
        out.flush();
    }

    private void writeCsvTo(Writer w) throws IOException {
        w.write(String.join(",", ROW_FIELDS));
        w.write('\n');
        for (RowResult r : rows) {
            List<String> cells = new ArrayList<>();
            for (Object v : fields(r).values()) {
                cells.add(csvCell(v));
            }
            w.write(String.join(",", cells));
            w.write('\n');
        }
    }

    private static String csvCell(Object v) {
        if (v == null) {
            return "";
        }
        String s = v.toString();
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    interface WriterAction {
        void write(Writer w) throws IOException;
    }

    /** Writes to a temporary file beside {@code file}, then renames it over: readers never see half a file. */
    static void writeAtomically(Path file, WriterAction action) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // CREATE_NEW, not Files.createTempFile: the report keeps the permissions a new file gets here, not owner-only.
        Path tmp = dir.resolve("." + file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
                action.write(w);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
