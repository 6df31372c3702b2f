package dev.rnn4j.bench;

import static dev.rnn4j.bench.Rnn4jCommandTest.rnn4j;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rnn4j.CellType;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code rnn4j bench}: suites, argument errors, the JSON schema, verification, skips, and all backends. */
class BenchCommandTest {
    /** Fast settings for tests: timing figures are not what these tests check. */
    private static final String[] FAST = {"--reps", "2", "--warmup-ms", "0", "--min-sample-ms", "1", "--no-peak",
            "--no-progress"};

    private static String[] args(String... a) {
        String[] all = new String[a.length + FAST.length + 1];
        all[0] = "bench";
        System.arraycopy(a, 0, all, 1, a.length);
        System.arraycopy(FAST, 0, all, 1 + a.length, FAST.length);
        return all;
    }

    @Test
    void deepBenchSuitesHaveDeepBenchsRowCounts() {
        assertEquals(53, Suites.load("deepbench-train").size());
        assertEquals(69, Suites.load("deepbench-inference").size());
        assertEquals(3, Suites.load("deepbench-device").size());
        assertTrue(Suites.load("deepbench-train").stream().allMatch(BenchRow::training));
        assertTrue(Suites.load("deepbench-inference").stream().noneMatch(BenchRow::training));
        // DeepBench's convention: one layer, unidirectional, input = hidden, vanilla = ReLU RNN.
        for (String suite : List.of("deepbench-train", "deepbench-inference", "deepbench-device")) {
            for (BenchRow r : Suites.load(suite)) {
                assertEquals(1, r.spec().layers());
                assertFalse(r.spec().bidirectional());
                assertEquals(r.spec().hiddenSize(), r.spec().inputSize());
                assertTrue(r.spec().cell() != CellType.RNN_TANH, "vanilla is the ReLU RNN");
            }
        }
        BenchRow first = Suites.load("deepbench-train").get(0);
        assertEquals("train:RNN_RELU:1760:1760:16:50", first.toString());
        assertFalse(Suites.load("quick").isEmpty());
        List<String> peer = Suites.load("pytorch-peer").stream().map(BenchRow::toString).toList();
        assertEquals(List.of("infer:LSTM:256:256:1:100", "infer:LSTM:512:512:32:50", "infer:LSTM:1024:1024:64:25",
                "infer:GRU:512:512:32:50", "infer:RNN_TANH:1024:1024:32:50", "train:LSTM:256:256:32:50",
                "train:LSTM:512:512:64:25", "train:GRU:512:512:32:50", "train:RNN_TANH:1024:1024:32:50",
                "train:LSTM:256:256:32:50:2:1"), peer, "the peer script's default rows, in its order");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--reps 0|--reps must be >= 1",
        "--suite nope|no suite 'nope'; suites: quick, deepbench-train",
        "--cell lstm --hidden 8|a custom row needs --cell, --hidden, --batch and --steps",
        "--cell lstm --hidden 8 --batch 2 --steps 3 --mode fly|--mode must be train or infer",
        "--cell lstm --hidden 8 --batch 2 --steps 3 --rows infer:LSTM:8:8:2:3|give either --rows or a custom row",
        "--cell banana --hidden 8 --batch 2 --steps 3|banana",
        "--rows train:LSTM:8|bad row 'train:LSTM:8'",
        "--rows infer:LSTM:8:8:4:10:100000000|layers must be at most 65536, got 100000000",
        "--rows infer:LSTM:1024:1024:100000000:100000|exceeds 2^31 - 1 floats, the largest Java array",
        "--rows train:LSTM:100000:100000:1:1|exceeds 2^31 - 1 elements; use a smaller hiddenSize or inputSize",
        "--filter zzz|--filter 'zzz' matches none of the 8 rows",
        "--filter (|--filter is not a valid regular expression",
        "--max-error 0|--max-error must be > 0",
        "--weights fp8|weight precision must be float32, bfloat16 or int8, got 'fp8'"})
    void argumentErrorsSayWhatIsWrong(String options, String message) {
        Rnn4jCommandTest.Result r = rnn4j(("bench " + options).split(" "));
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains(message), r.err());
    }

    @Test
    void helpDocumentsEveryOption() {
        Rnn4jCommandTest.Result r = rnn4j("bench", "--help");
        assertEquals(0, r.status());
        for (String o : List.of("--suite", "--rows", "--cell", "--input", "--hidden", "--batch", "--steps", "--layers",
                "--bidirectional", "--mode", "--filter", "--backend", "--warmup-ms", "--reps", "--min-sample-ms",
                "--verify", "--max-error", "--json", "--csv", "--reference-max-gflop", "--no-peak", "--no-progress",
                "--gemm", "--gemm-keep-b", "--peepholes", "--input-forget", "--clip", "--cell-clip",
                "--gru-original", "--proj-size", "--activations", "--activation-alpha", "--activation-beta",
                "--weights")) {
            assertTrue(r.out().contains(o), o + " missing from --help:\n" + r.out());
        }
    }

    @Test
    void tinyVerifiedRunWritesJsonThatFollowsTheSchema(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out.json");
        Path csv = dir.resolve("out.csv");
        Rnn4jCommandTest.Result r = rnn4j(args("--backend", "cpu", "--cell", "lstm", "--hidden", "16", "--input", "9",
                "--batch", "3", "--steps", "4", "--layers", "2", "--bidirectional", "--verify", "--json",
                json.toString(), "--csv", csv.toString()));
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("train:LSTM:9:16:3:4:2:1"), r.out());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        JsonNode schema;
        try (InputStream in = BenchReport.class.getResourceAsStream("result-schema.json")) {
            schema = new ObjectMapper().readTree(in);
        }
        conforms("$", root, schema);
        JsonNode row = root.get("rows").get(0);
        assertEquals("cpu", row.get("backend").asText());
        assertEquals("LSTM", row.get("cell").asText());
        assertEquals("train", row.get("mode").asText());
        assertEquals(16, row.get("hidden").asInt());
        assertTrue(row.get("bidirectional").asBoolean());
        assertTrue(row.get("total_ms").asDouble() > 0);
        assertTrue(row.get("backward_data_ms").isNumber());
        assertTrue(row.get("verify_ok").asBoolean(), row.toString());
        assertTrue(row.get("verify_max_rel_error").asDouble() < 1e-4);
        assertEquals("full row", row.get("verify_shape").asText());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(String.join(",", BenchReport.ROW_FIELDS), lines.get(0));
        assertEquals(2, lines.size());
        assertTrue(lines.get(1).startsWith("cpu,LSTM,train,9,16,3,4,2,true,ok,"), lines.get(1));
    }

    @Test
    void gemmRowsWriteTheirJsonAndRefuseWhatTheyCannotDo(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("gemm.json");
        Rnn4jCommandTest.Result r = rnn4j(args("--backend", "cpu", "--rows", "gemm:8:24:16,gemm:3:40:16:N:T",
                "--gemm-keep-b", "--json", json.toString()));
        assertEquals(0, r.status(), r.out() + r.err());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(BenchCommand.GEMM_SCHEMA, root.get("schema").asText());
        assertEquals("cpu", root.get("backend").asText());
        assertTrue(root.get("keep_b").asBoolean());
        assertEquals(2, root.get("rows").size());
        JsonNode row = root.get("rows").get(1);
        assertEquals("gemm:3:40:16:N:T", row.get("row").asText());
        assertTrue(row.get("ms_median").asDouble() > 0 && row.get("ms_min").asDouble() <= row.get("ms_median")
                .asDouble(), row.toString());
        assertEquals(2.0 * 3 * 40 * 16 / row.get("ms_median").asDouble() / 1e6, row.get("gflops").asDouble(), 1e-6);
        for (String refused : List.of("--verify", "--csv")) {
            Rnn4jCommandTest.Result bad = rnn4j(refused.equals("--csv")
                    ? args("--backend", "cpu", "--rows", "gemm:8:8:8", "--csv", dir.resolve("x.csv").toString())
                    : args("--backend", "cpu", "--rows", "gemm:8:8:8", "--verify"));
            assertEquals(2, bad.status(), bad.out() + bad.err());
            assertTrue(bad.err().contains("GEMM rows take none of --verify, --csv and --chart"), bad.err());
        }
    }

    @Test
    void variantRowsRunVerifiedAndSayWhichVariant() {
        Rnn4jCommandTest.Result r = rnn4j(args("--backend", "cpu", "--cell", "lstm", "--hidden", "6", "--batch", "2",
                "--steps", "3", "--peepholes", "--clip", "0.5", "--cell-clip", "0.8", "--verify"));
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("train:LSTM:6:6:2:3+peepholes,clip=0.5,cell_clip=0.8"), r.out());
        assertTrue(r.out().contains("ok "), r.out());
    }

    @Test
    void projectedLstmRowsRunVerifiedEvenWhenShrunk() {
        // H = 64 is shrunk to 48 for the oracle, so P = 60 must shrink with it.
        Rnn4jCommandTest.Result r = rnn4j(args("--backend", "cpu", "--cell", "lstm", "--hidden", "64", "--batch", "2",
                "--steps", "3", "--layers", "2", "--bidirectional", "--proj-size", "60", "--verify"));
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("train:LSTM:64:64:2:3:2:1+proj_size=60"), r.out());
        assertTrue(r.out().contains("ok "), r.out());
    }

    @Test
    void onnxActivationRowsRunVerified() {
        Rnn4jCommandTest.Result r = rnn4j(args("--backend", "cpu", "--cell", "lstm", "--hidden", "9", "--batch", "2",
                "--steps", "3", "--activations", "HardSigmoid,Tanh,Softsign", "--activation-alpha", "0.3",
                "--activation-beta", "0.4", "--verify"));
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("train:LSTM:9:9:2:3+activations=HardSigmoid(0.3,0.4)/Tanh/Softsign"), r.out());
        assertTrue(r.out().contains("ok "), r.out());
        Rnn4jCommandTest.Result bad = rnn4j(args("--backend", "cpu", "--cell", "gru", "--hidden", "9", "--batch", "2",
                "--steps", "3", "--activations", "Sigmoid,Swish"));
        assertEquals(2, bad.status(), bad.out() + bad.err());
        assertTrue(bad.err().contains("unknown activation 'Swish'"), bad.err());
    }

    @Test
    void originalGruRowsRunVerified() {
        Rnn4jCommandTest.Result r = rnn4j(args("--backend", "cpu", "--cell", "gru", "--hidden", "20", "--batch", "3",
                "--steps", "4", "--bidirectional", "--gru-original", "--verify"));
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("train:GRU:20:20:3:4:1:1+linear_before_reset=0"), r.out());
        assertTrue(r.out().contains("ok "), r.out());
    }

    @Test
    void inferenceRowsHaveNoBackwardFigures(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out.json");
        Rnn4jCommandTest.Result r = rnn4j(args("--backend", "cpu", "--rows", "infer:GRU:5:6:2:3",
                "--json", json.toString()));
        assertEquals(0, r.status(), r.err());
        JsonNode row = new ObjectMapper().readTree(json.toFile()).get("rows").get(0);
        assertTrue(row.get("backward_data_ms").isNull());
        assertTrue(row.get("backward_weights_ms").isNull());
        assertTrue(row.get("forward_ms").asDouble() > 0);
        assertEquals(0, row.get("reserve_bytes").asLong());
    }

    /**
     * Each inference row timed with every precision asked for, back to back, verified against the oracle on its
     * rounded weights and with what the rounding changed; a training row with float32 only.
     */
    @Test
    void weightPrecisionsAreTimedSideBySide(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out.json");
        Rnn4jCommandTest.Result r = rnn4j(args("--backend", "cpu", "--rows", "infer:LSTM:30:40:1:5,train:GRU:5:6:2:3",
                "--weights", "float32,bfloat16,int8", "--verify", "--json", json.toString()));
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("infer:LSTM:30:40:1:5 bfloat16") && r.out().contains("vs fp32"), r.out());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        JsonNode schema;
        try (InputStream in = BenchReport.class.getResourceAsStream("result-schema.json")) {
            schema = new ObjectMapper().readTree(in);
        }
        conforms("$", root, schema);
        JsonNode rows = root.get("rows");
        assertEquals(4, rows.size(), rows.toString());
        List<String> weights = new java.util.ArrayList<>();
        for (JsonNode row : rows) {
            weights.add(row.get("mode").asText() + " " + row.get("weights").asText());
            assertTrue(row.get("verify_ok").asBoolean(), row.toString());
            boolean rounded = !row.get("weights").asText().equals("float32");
            assertEquals(rounded, row.get("weights_max_rel_error").isNumber(), row.toString());
            if (rounded) {
                double e = row.get("weights_max_rel_error").asDouble();
                assertTrue(e > 0 && e < 0.05, "rounding moves the outputs a little: " + e);
            }
        }
        assertEquals(List.of("infer float32", "infer bfloat16", "infer int8", "train float32"), weights);
        assertEquals(List.of("float32", "bfloat16", "int8"), new ObjectMapper().convertValue(
                root.get("options").get("weights"), List.class));
    }

    /** GEMM rows whose B is a weight (transposed) are timed with each precision; the others with float32 alone. */
    @Test
    void gemmRowsTakeWeightPrecisionsWhereBIsAWeight(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("gemm.json");
        Rnn4jCommandTest.Result r = rnn4j(args("--backend", "cpu", "--rows", "gemm:1:200:70:N:T,gemm:4:8:8",
                "--weights", "float32,bfloat16,int8", "--json", json.toString()));
        assertEquals(0, r.status(), r.out() + r.err());
        List<String> rows = new java.util.ArrayList<>();
        for (JsonNode row : new ObjectMapper().readTree(json.toFile()).get("rows")) {
            rows.add(row.get("row").asText() + " " + row.get("weights").asText());
            assertTrue(row.get("ms_median").asDouble() > 0, row.toString());
        }
        assertEquals(List.of("gemm:1:200:70:N:T float32", "gemm:1:200:70:N:T bfloat16", "gemm:1:200:70:N:T int8",
                "gemm:4:8:8 float32"), rows);
    }

    @Test
    void peakFractionIsTheRowsRateOverTheReportedSgemmPeak(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out.json");
        Rnn4jCommandTest.Result r = rnn4j("bench", "--backend", "cpu", "--rows", "infer:LSTM:8:8:2:3", "--reps", "2",
                "--warmup-ms", "0", "--min-sample-ms", "1", "--no-progress", "--json", json.toString());
        assertEquals(0, r.status(), r.err());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        double peak = root.get("backends").get(0).get("sgemm_peak_gflops").asDouble();
        assertTrue(peak > 0);
        JsonNode row = root.get("rows").get(0);
        assertEquals(row.get("gflops").asDouble() / peak, row.get("peak_fraction").asDouble(), 1e-9);
        assertTrue(r.out().contains("SGEMM 1024³"), r.out());
    }

    @Test
    void aFailedVerificationExitsNonZero() {
        // No float computation matches the double oracle to 1e-15 of its scale.
        Rnn4jCommandTest.Result r = rnn4j(args("--backend", "cpu", "--cell", "gru", "--hidden", "8", "--batch", "2",
                "--steps", "3", "--verify", "--max-error", "1e-15"));
        assertEquals(1, r.status(), r.out());
        assertTrue(r.out().contains("FAILED"), r.out());
        assertTrue(r.err().contains("1 row(s) failed"), r.err());
    }

    @Test
    void bigRowsAreVerifiedOnAShrunkenCopy() {
        BenchRow big = BenchRow.parse("train:LSTM:1024:1024:64:25:2:1");
        BenchRow small = big.shrunk(48, 4, 8);
        assertEquals("train:LSTM:48:48:4:8:2:1", small.toString());
        assertTrue(big.forwardFlops() > BenchCommand.VERIFY_FULL_FLOPS);
    }

    @Test
    void aRowTooLargeForTheDeviceIsSkippedWithTheReason(@TempDir Path dir) throws Exception {
        // T = B = 4096 at H = 4096: the gate projections alone are 1 TiB, more than any heap (the CPU's memory).
        Path json = dir.resolve("out.json");
        Rnn4jCommandTest.Result r = rnn4j(args("--backend", "cpu", "--rows",
                "infer:LSTM:64:4096:4096:4096,infer:LSTM:4:4:1:2", "--json", json.toString()));
        assertEquals(0, r.status(), r.out() + r.err());
        JsonNode rows = new ObjectMapper().readTree(json.toFile()).get("rows");
        assertEquals("skipped", rows.get(0).get("status").asText());
        assertTrue(rows.get(0).get("note").asText().contains("needs"), rows.get(0).toString());
        assertEquals("ok", rows.get(1).get("status").asText(), "the run goes on after a skipped row");
    }

    @Test
    void allBackendsRunSideBySideAndNameTheOnesThatCannot(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out.json");
        Rnn4jCommandTest.Result r = rnn4j(args("--backend", "all", "--rows", "train:RNN_TANH:4:5:2:3",
                "--json", json.toString()));
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("side by side"), r.out());
        assertTrue(r.out().contains("cpu speedup"), r.out());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertTrue(root.get("backends").size() >= 2, "cpu and reference always run");
        assertEquals(root.get("backends").size(), root.get("rows").size());
        // cuda and opencl either ran or are listed with their probe's reason.
        int named = root.get("backends").size() + root.get("skipped_backends").size();
        assertEquals(4, named, root.toString());
        for (JsonNode s : root.get("skipped_backends")) {
            assertTrue(s.asText().contains(": not run: "), s.asText());
        }
    }

    /** A checker for the subset of JSON Schema that result-schema.json uses: type, const, enum, required, items. */
    private static void conforms(String path, JsonNode value, JsonNode schema) {
        if (schema.has("const")) {
            assertEquals(schema.get("const"), value, path);
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.equals(value);
            }
            assertTrue(found, path + ": " + value + " not in " + schema.get("enum"));
        }
        if (schema.has("type")) {
            JsonNode t = schema.get("type");
            boolean ok = false;
            for (JsonNode one : t.isArray() ? t : List.of(t)) {
                ok |= switch (one.asText()) {
                    case "object" -> value.isObject();
                    case "array" -> value.isArray();
                    case "string" -> value.isTextual();
                    case "integer" -> value.isIntegralNumber();
                    case "number" -> value.isNumber();
                    case "boolean" -> value.isBoolean();
                    case "null" -> value.isNull();
                    default -> throw new AssertionError("schema type " + one);
                };
            }
            assertTrue(ok, path + ": " + value + " is not " + t);
        }
        if (schema.has("required")) {
            for (JsonNode key : schema.get("required")) {
                assertTrue(value.has(key.asText()), path + " lacks required '" + key.asText() + "'");
            }
        }
        if (schema.has("properties") && value.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = schema.get("properties").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> p = it.next();
                if (value.has(p.getKey())) {
                    conforms(path + "." + p.getKey(), value.get(p.getKey()), p.getValue());
                }
            }
        }
        if (schema.has("items") && value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                conforms(path + "[" + i + "]", value.get(i), schema.get("items"));
            }
        }
    }

    @Test
    void jsonToStandardOutputLeavesTheTablesOnTheErrorStream() throws Exception {
        Rnn4jCommandTest.Result r = rnn4j(args("--rows", "infer:LSTM:8:8:1:3", "--backend", "reference",
                "--json", "-"));
        assertEquals(0, r.status(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(BenchReport.SCHEMA, root.get("schema").asText());
        assertEquals(1, root.get("rows").size());
        assertTrue(root.hasNonNull("rnn4j_commit"), r.out());
        assertTrue(root.get("jvm").hasNonNull("version"), r.out());
        assertTrue(r.err().contains("infer:LSTM:8:8:1:3"), "the table goes to the error stream: " + r.err());
    }

    @Test
    void csvToStandardOutputIsOnlyTheCsv() {
        Rnn4jCommandTest.Result r = rnn4j(args("--rows", "infer:LSTM:8:8:1:3", "--backend", "reference",
                "--csv", "-"));
        assertEquals(0, r.status(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals(2, lines.length, r.out());
        assertEquals(String.join(",", BenchReport.ROW_FIELDS), lines[0]);
        assertTrue(lines[1].startsWith("reference,LSTM,infer,8,8,1,3,"), lines[1]);
    }

    @Test
    void onlyOneReportMayTakeStandardOutput() {
        Rnn4jCommandTest.Result r = rnn4j(args("--rows", "infer:LSTM:8:8:1:3", "--json", "-", "--csv", "-"));
        assertEquals(2, r.status());
        assertTrue(r.err().contains("only one of --json and --csv can be -"), r.err());
    }

    @Test
    void chartDrawsTimeAndRatePanelsIntoAPng(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("rows.png");
        Rnn4jCommandTest.Result r = rnn4j(args("--rows", "infer:LSTM:8:8:1:3,infer:GRU:8:8:2:3", "--backend",
                "reference", "--chart", png.toString()));
        assertEquals(0, r.status(), r.err());
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(BenchChart.WIDTH, image.getWidth());
        assertEquals(2 * BenchChart.PANEL_HEIGHT, image.getHeight());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(png), files.toList(), "no temporary file left beside the chart");
        }
    }

    @Test
    void chartNeedsAFileAndLayerRows() {
        Rnn4jCommandTest.Result toStdout = rnn4j(args("--rows", "infer:LSTM:8:8:1:3", "--chart", "-"));
        assertEquals(2, toStdout.status());
        assertTrue(toStdout.err().contains("--chart needs a file name"), toStdout.err());
        Rnn4jCommandTest.Result gemm = rnn4j(args("--rows", "gemm:8:8:8", "--chart", "x.png"));
        assertEquals(2, gemm.status());
        assertTrue(gemm.err().contains("GEMM rows take none of --verify, --csv and --chart"), gemm.err());
    }
}
