package dev.rnn4j.bench;

import dev.rnn4j.Backend;
import dev.rnn4j.Backends;
import dev.rnn4j.LayerGradients;
import dev.rnn4j.OutputGradients;
import dev.rnn4j.Parameter;
import dev.rnn4j.RecurrentLayer;
import dev.rnn4j.RnnOutput;
import dev.rnn4j.RnnSpec;
import dev.rnn4j.io.RnnModelFile;
import dev.rnn4j.io.RunInputs;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.io.SafetensorsWriter;
import dev.rnn4j.onnx.OnnxModel;
import dev.rnn4j.onnx.OnnxTensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code rnn4j run}: one layer stack from files, for scripting and golden-file checks against other frameworks. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a recurrent layer stack from safetensors files.",
                "The model file is a PyTorch-named state_dict whose metadata holds the spec under PyTorch's "
                        + "constructor names (mode, input_size, hidden_size, num_layers, bidirectional, bias, "
                        + "batch_first).",
                "The inputs file holds 'input' and optionally 'h0', 'c0', 'lengths' (I32/I64/F32) and, for "
                        + "--backward, 'grad_output', 'grad_h_n', 'grad_c_n'; other tensors are ignored.",
                "The output file gets 'output', 'h_n', 'c_n' and, with --backward, 'grad_input', 'grad_h0', "
                        + "'grad_c0' and 'grad.<parameter name>' for every parameter.",
                "With --onnx instead of --model, the model is an .onnx file of RNN/LSTM/GRU nodes (and the layout "
                        + "operators between them): the inputs file holds the graph's inputs under their graph names "
                        + "(sequence lengths as integers), and the output file gets every graph output under its "
                        + "name (Y, Y_h, Y_c ...), as the ONNX operators define them."})
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "M.safetensors", description = "Model: weights and spec.")
    Path model;

    @Option(names = "--onnx", paramLabel = "M.onnx", description = "Or an ONNX model (forward only).")
    Path onnx;

    @Option(names = "--inputs", required = true, paramLabel = "X.safetensors", description = "Input tensors.")
    Path inputs;

    @Option(names = "--out", required = true, paramLabel = "O.safetensors",
            description = "Where to write the results (atomically: temporary file, then rename).")
    Path out;

    @Option(names = "--backend", paramLabel = "NAME",
            description = "auto, reference, cpu, opencl[:N], cuda[:N]; default: -Drnn4j.backend, RNN4J_BACKEND, auto.")
    String backend;

    @Option(names = "--backward", description = "Also run backward with the upstream gradients in the inputs file.")
    boolean backward;

    @Override
    public Integer call() throws Exception {
        if ((model == null) == (onnx == null)) {
            throw new ParameterException(spec.commandLine(), "give one of --model or --onnx");
        }
        if (model != null) {
            CommandFiles.input(model, "--model");
        } else {
            CommandFiles.input(onnx, "--onnx");
        }
        CommandFiles.input(inputs, "--inputs");
        CommandFiles.output(out, "--out");
        if (onnx != null) {
            if (backward) {
                throw new ParameterException(spec.commandLine(), "--backward works with --model; ONNX graphs run "
                        + "forward");
            }
            return runOnnx();
        }
        RnnModelFile.Model m = RnnModelFile.load(model);
        RnnSpec s = m.spec();
        SafetensorsFile in = SafetensorsFile.read(inputs);
        RunInputs run = RunInputs.read(in, s, m.batchFirst());
        OutputGradients up = run.upstream();
        if (backward && up.gradOutput() == null && up.gradHn() == null && up.gradCn() == null) {
            throw new IllegalArgumentException(inputs + " holds none of grad_output, grad_h_n, grad_c_n; --backward "
                    + "needs at least one (all-zero gradients would give all-zero results)");
        }
        int steps = run.input().steps();
        int batch = run.input().batch();
        long[] outputShape = m.batchFirst() ? new long[] {batch, steps, s.outputSize()}
                : new long[] {steps, batch, s.outputSize()};
        long[] inputShape = m.batchFirst() ? new long[] {batch, steps, s.inputSize()}
                : new long[] {steps, batch, s.inputSize()};
        long[] stateShape = {s.stateLayers(), batch, s.stateSize()};
        long[] cellShape = {s.stateLayers(), batch, s.hiddenSize()};
        SafetensorsWriter w = new SafetensorsWriter();
        try (Backend b = Backends.open(backend);
             RecurrentLayer layer = RecurrentLayer.create(b, s, m.weights())) {
            w.metadata("backend", b.name()).metadata("device", b.device().name());
            RnnOutput o = backward ? layer.forwardTraining(run.input()) : layer.forward(run.input());
            w.addF32("output", o.output(), outputShape).addF32("h_n", o.hN(), stateShape);
            if (s.cell().hasCellState()) {
                w.addF32("c_n", o.cN(), cellShape);
            }
            if (backward) {
                LayerGradients g = layer.backward(up);
                w.addF32("grad_input", g.inputs().gradInput(), inputShape).addF32("grad_h0", g.inputs().gradH0(), stateShape);
                if (s.cell().hasCellState()) {
                    w.addF32("grad_c0", g.inputs().gradC0(), cellShape);
                }
                for (Parameter p : g.weights().parameters()) {
                    w.addF32("grad." + p.name(), g.weights().get(p.name()), p.shape());
                }
            }
        }
        w.write(out);
        spec.commandLine().getOut().printf("wrote %s (%s, T=%d, B=%d%s)%n", out, s.cell(), steps, batch,
                backward ? ", with gradients" : "");
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** --onnx: the graph's inputs by name in, every graph output by name out. */
    private int runOnnx() throws Exception {
        OnnxModel m = OnnxModel.read(onnx);
        SafetensorsFile in = SafetensorsFile.read(inputs);
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        for (String name : m.inputNames()) {
            if (!in.has(name)) {
                throw new IllegalArgumentException(inputs + " lacks graph input '" + name + "' (the graph's inputs: "
                        + m.inputNames() + ")");
            }
            feeds.put(name, OnnxTensor.read(in, name));
        }
        SafetensorsWriter w = new SafetensorsWriter();
        try (Backend b = Backends.open(backend)) {
            w.metadata("backend", b.name()).metadata("device", b.device().name());
            for (Map.Entry<String, OnnxTensor> e : m.run(b, feeds).entrySet()) {
                e.getValue().writeTo(w, e.getKey());
            }
        }
        w.write(out);
        spec.commandLine().getOut().printf("wrote %s (%s from %s)%n", out, String.join(", ", m.outputNames()), onnx);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
