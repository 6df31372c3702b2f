package dev.rnn4j.io;

import dev.rnn4j.OutputGradients;
import dev.rnn4j.RnnInput;
import dev.rnn4j.RnnSpec;
import java.util.Arrays;

/**
 * The inputs of one layer run read from a safetensors file, as {@code rnn4j run} and the PyTorch fixtures store
 * them: {@code input} ({@code [T, B, I]}, or {@code [B, T, I]} when batch-first), and optionally {@code h0},
 * {@code c0} ({@code [L·D, B, H]}), {@code lengths} ({@code [B]}, I32, I64 or whole-valued floats), and the upstream
 * gradients {@code grad_output}, {@code grad_h_n}, {@code grad_c_n}. Other tensors are ignored. F32 and F64 (and
 * F16/BF16) are accepted. Every shape is checked against the spec, and errors name the tensor.
 *
 * @param input    the forward input
 * @param upstream the upstream gradients (fields null where the file has none)
 */
public record RunInputs(RnnInput input, OutputGradients upstream) {

    /** Reads and checks the inputs for {@code spec}. */
    public static RunInputs read(SafetensorsFile f, RnnSpec spec, boolean batchFirst) throws MalformedFileException {
        TensorInfo in = f.info("input");
        if (in.shape().length != 3 || in.shape()[2] != spec.inputSize() || in.shape()[0] < 1 || in.shape()[1] < 1) {
            throw new MalformedFileException(f.source() + ": tensor 'input' has shape " + in.shapeText() + "; expected "
                    + (batchFirst ? "[B, T, " : "[T, B, ") + spec.inputSize() + "] for " + spec
                    + (batchFirst ? " (batch_first)" : ""));
        }
        int steps = (int) (batchFirst ? in.shape()[1] : in.shape()[0]);
        int batch = (int) (batchFirst ? in.shape()[0] : in.shape()[1]);
        float[] x = f.floats("input");
        RnnInput input = batchFirst ? RnnInput.batchMajor(x, batch, steps) : RnnInput.sequenceMajor(x, steps, batch);
        long[] stateShape = {spec.stateLayers(), batch, spec.stateSize()};
        long[] cellShape = {spec.stateLayers(), batch, spec.hiddenSize()};
        long[] outputShape = batchFirst ? new long[] {batch, steps, spec.outputSize()}
                : new long[] {steps, batch, spec.outputSize()};
        int[] lengths = null;
        if (f.has("lengths")) {
            requireShape(f, "lengths", new long[] {batch});
            lengths = f.ints("lengths");
            for (int b = 0; b < batch; b++) {
                if (lengths[b] < 1 || lengths[b] > steps) {
                    throw new MalformedFileException(f.source() + ": tensor 'lengths' element " + b + " = "
                            + lengths[b] + " is out of range 1.." + steps);
                }
            }
        }
        boolean cellState = spec.cell().hasCellState();
        input = input.withLengths(lengths).withInitialState(optional(f, "h0", stateShape),
                cellState ? optional(f, "c0", cellShape) : null);
        OutputGradients upstream = new OutputGradients(optional(f, "grad_output", outputShape),
                optional(f, "grad_h_n", stateShape), cellState ? optional(f, "grad_c_n", cellShape) : null);
        return new RunInputs(input, upstream);
    }

    private static float[] optional(SafetensorsFile f, String name, long[] shape) throws MalformedFileException {
        if (!f.has(name)) {
            return null;
        }
        requireShape(f, name, shape);
        return f.floats(name);
    }

    private static void requireShape(SafetensorsFile f, String name, long[] shape) throws MalformedFileException {
        TensorInfo t = f.info(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new MalformedFileException(f.source() + ": tensor '" + name + "' has shape " + t.shapeText()
                    + "; expected " + Arrays.toString(shape));
        }
    }
}
