package dev.rnn4j.bench;

import dev.rnn4j.CellType;
import dev.rnn4j.RnnSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark suites, read from CSV files shipped in this module (data, not code):
 * <ul>
 *   <li>{@code quick}: {@code suites/quick.csv}, a few rows of every cell that finish in under a minute on a
 *       2-core laptop;</li>
 *   <li>{@code deepbench-train}, {@code deepbench-inference}, {@code deepbench-device}: Baidu DeepBench's recurrent
 *       problem sets exactly, from {@code suites/deepbench_rnn_problems.csv} (its suites {@code train},
 *       {@code inference_server}, {@code inference_device}; DeepBench's convention: one layer, unidirectional,
 *       input size = hidden size, {@code vanilla} = ReLU RNN; training rows time forward, backward-data and
 *       backward-weights, inference rows forward only);</li>
 *   <li>{@code pytorch-peer}: {@code suites/pytorch-peer.csv}, the rows {@code bench/peer/rnn_ratios.py} compares
 *       with PyTorch by default, for a same-run comparison with PyTorch.</li>
 * </ul>
 */
final class Suites {
    static final String QUICK = "quick";
    static final String PYTORCH_PEER = "pytorch-peer";
    static final List<String> NAMES = List.of(QUICK, "deepbench-train", "deepbench-inference", "deepbench-device",
            PYTORCH_PEER);

    private Suites() {
    }

    /** The rows of suite {@code name}; the message lists the suites when there is no such one. */
    static List<BenchRow> load(String name) {
        return switch (name) {
            case QUICK -> ownFormat("quick.csv");
            case PYTORCH_PEER -> ownFormat("pytorch-peer.csv");
            case "deepbench-train" -> deepBench("train", true);
            case "deepbench-inference" -> deepBench("inference_server", false);
            case "deepbench-device" -> deepBench("inference_device", false);
            default -> throw new IllegalArgumentException("no suite '" + name + "'; suites: " + String.join(", ", NAMES));
        };
    }

    private static List<BenchRow> ownFormat(String file) {
        List<BenchRow> rows = new ArrayList<>();
        for (String[] f : csv(file, "mode,cell,input,hidden,batch,steps,layers,bidirectional")) {
            RnnSpec spec = new RnnSpec(CellType.parse(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                    Integer.parseInt(f[6]), Boolean.parseBoolean(f[7]), true);
            rows.add(new BenchRow(f[0].equals("train"), spec, Integer.parseInt(f[4]), Integer.parseInt(f[5])));
        }
        return rows;
    }

    private static List<BenchRow> deepBench(String suite, boolean training) {
        List<BenchRow> rows = new ArrayList<>();
        for (String[] f : csv("deepbench_rnn_problems.csv", "suite,cell,hidden,batch,steps")) {
            if (!f[0].equals(suite)) {
                continue;
            }
            CellType cell = switch (f[1]) {
                case "vanilla" -> CellType.RNN_RELU;
                case "lstm" -> CellType.LSTM;
                case "gru" -> CellType.GRU;
                default -> throw new IllegalStateException("deepbench_rnn_problems.csv: unknown cell " + f[1]);
            };
            int hidden = Integer.parseInt(f[2]);
            rows.add(new BenchRow(training, new RnnSpec(cell, hidden, hidden, 1, false, true),
                    Integer.parseInt(f[3]), Integer.parseInt(f[4])));
        }
        return rows;
    }

    /** The records of a shipped CSV file, after checking its header. */
    private static List<String[]> csv(String file, String header) {
        String path = "/dev/rnn4j/bench/suites/" + file;
        try (InputStream in = Suites.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the rnn4j jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String first = r.readLine();
            if (first == null || !first.trim().equals(header)) {
                throw new IllegalStateException(path + ": expected header '" + header + "', got '" + first + "'");
            }
            int columns = header.split(",").length;
            List<String[]> out = new ArrayList<>();
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.trim().split(",");
                if (f.length != columns) {
                    throw new IllegalStateException(path + ": expected " + columns + " fields in '" + line + "'");
                }
                out.add(f);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
