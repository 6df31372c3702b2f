package dev.rnn4j.conformance;

import dev.rnn4j.OutputGradients;
import dev.rnn4j.RnnInput;
import dev.rnn4j.io.MalformedFileException;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.io.RunInputs;
import dev.rnn4j.io.SafetensorsFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A reference fixture from another implementation: a model file (a state_dict with the spec in its metadata) and an
 * io file holding the inputs (and upstream gradients) as {@code rnn4j run} reads them, plus the other side's results
 * computed in float64 from the same float32 values. Two sets:
 * <ul>
 *   <li>{@code pytorch}: PyTorch 1.13 ({@code conformance/fixtures/generate_pytorch_fixtures.py}), forward and every
 *       gradient: {@code output, h_n, c_n, grad_input, grad_h0, grad_c0, grad.<parameter>};</li>
 *   <li>{@code onnx}: ONNX 1.12's own operator reference numerics ({@code onnx.backend.test.case.node}, through
 *       {@code conformance/fixtures/generate_onnx_fixtures.py}), forward only: {@code output, h_n}; the weights
 *       converted from ONNX's layout (gate orders, {@code P}) to rnn4j's.</li>
 * </ul>
 *
 * @param set   {@code pytorch} or {@code onnx}
 * @param name  fixture name
 * @param model the model
 * @param io    the io file
 */
public record Fixture(String set, String name, RnnModelFile.Model model, SafetensorsFile io) {
    private static final String ROOT = "/dev/rnn4j/conformance/";

    /** Names listed in the PyTorch fixture index. */
    public static List<String> names() {
        return names("pytorch");
    }

    /** Names listed in the ONNX fixture index. */
    public static List<String> onnxNames() {
        return names("onnx");
    }

    /** Names listed in the index of fixture set {@code set}. */
    public static List<String> names(String set) {
        try (InputStream in = resource(set, "index.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return r.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads one PyTorch fixture from the class path. */
    public static Fixture load(String name) throws IOException {
        return load("pytorch", name);
    }

    /** Loads one fixture of set {@code set} from the class path. */
    public static Fixture load(String set, String name) throws IOException {
        RnnModelFile.Model model = RnnModelFile.load(parse(set, name + ".model.safetensors"));
        return new Fixture(set, name, model, parse(set, name + ".io.safetensors"));
    }

    private static SafetensorsFile parse(String set, String file) throws IOException {
        try (InputStream in = resource(set, file)) {
            return SafetensorsFile.parse(in.readAllBytes(), file);
        }
    }

    private static InputStream resource(String set, String file) throws IOException {
        String path = ROOT + set + "/" + file;
        InputStream in = Fixture.class.getResourceAsStream(path);
        if (in == null) {
            throw new IOException("fixture resource " + path + " not found");
        }
        return in;
    }

    /** The forward input. */
    public RnnInput input() throws MalformedFileException {
        return RunInputs.read(io, model.spec(), model.batchFirst()).input();
    }

    /** The upstream gradients. */
    public OutputGradients upstream() throws MalformedFileException {
        return RunInputs.read(io, model.spec(), model.batchFirst()).upstream();
    }

    /** PyTorch's value of {@code tensor}, in double. */
    public double[] expected(String tensor) throws MalformedFileException {
        return io.doubles(tensor);
    }
}
