package dev.rnn4j.bench;

import dev.rnn4j.Activation;
import dev.rnn4j.CellType;
import dev.rnn4j.CellVariant;
import dev.rnn4j.RnnSpec;

/**
 * One benchmark row in the syntax the PyTorch peer script uses: {@code MODE:CELL:I:H:B:T[:LAYERS[:BIDIR]]}, MODE
 * {@code infer} (forward only) or {@code train} (forward, backward-data, backward-weights).
 *
 * @param training whether the row times a training step
 * @param spec     the layer stack
 * @param batch    B
 * @param steps    T
 */
record BenchRow(boolean training, RnnSpec spec, int batch, int steps) {

    /** Parses a row; the message says what was expected. */
    static BenchRow parse(String row) {
        String[] p = row.trim().split(":");
        if (p.length < 6 || p.length > 8 || !(p[0].equals("infer") || p[0].equals("train"))) {
            throw new IllegalArgumentException("bad row '" + row + "': expected MODE:CELL:I:H:B:T[:LAYERS[:BIDIR]] "
                    + "with MODE infer or train, e.g. train:LSTM:256:256:32:50:2:1");
        }
        try {
            CellType cell = CellType.parse(p[1]);
            int layers = p.length > 6 ? Integer.parseInt(p[6]) : 1;
            boolean bidirectional = p.length > 7 && (p[7].equals("1") || p[7].equalsIgnoreCase("true") || p[7].equals("bi"));
            RnnSpec spec = new RnnSpec(cell, Integer.parseInt(p[2]), Integer.parseInt(p[3]), layers, bidirectional, true);
            int batch = Integer.parseInt(p[4]);
            int steps = Integer.parseInt(p[5]);
            if (batch < 1 || steps < 1) {
                throw new IllegalArgumentException("batch and steps must be >= 1");
            }
            // The input is one Java array of T·B·I floats, so a row beyond that is refused here rather than by an
            // overflow deep in the planning.
            if ((long) steps * batch * spec.inputSize() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("T·B·I = " + steps + "·" + batch + "·" + spec.inputSize()
                        + " exceeds 2^31 - 1 floats, the largest Java array");
            }
            return new BenchRow(p[0].equals("train"), spec, batch, steps);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad row '" + row + "': " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad row '" + row + "': " + e.getMessage());
        }
    }

    /**
     * GEMM floating-point operations, the count the peer script uses: per layer and direction
     * {@code 2·T·B·G·H·(I_layer + H)}, three times that for training; with a projection, h has P features
     * ({@code 2·T·B·G·H·(I_layer + P)}) and each step adds its projection, {@code 2·T·B·H·P}.
     */
    double flops() {
        double total = 0;
        for (int l = 0; l < spec.layers(); l++) {
            total += spec.directions() * 2.0 * steps * batch * spec.gateRows()
                    * (spec.layerInputSize(l) + spec.stateSize());
            total += spec.directions() * 2.0 * steps * batch * spec.hiddenSize() * spec.projectionSize();
        }
        return training ? 3 * total : total;
    }

    /** GEMM floating-point operations of one forward pass. */
    double forwardFlops() {
        return training ? flops() / 3 : flops();
    }

    /**
     * A copy no larger than {@code maxSize} in input and hidden size, {@code maxBatch} and {@code maxSteps}, with
     * the same cell, layers, directions, bias and mode: what --verify checks when the row is too big for the oracle.
     */
    BenchRow shrunk(int maxSize, int maxBatch, int maxSteps) {
        int hidden = Math.min(spec.hiddenSize(), maxSize);
        CellVariant v = spec.variant();
        if (v.hasProjection()) {
            // The projection must stay narrower than the shrunk hidden state.
            v = new CellVariant(v.peepholes(), v.inputForget(), v.clip(), v.cellClip(), v.linearAfterReset(),
                    Math.max(1, Math.min(v.projectionSize(), hidden - 1)));
        }
        RnnSpec s = new RnnSpec(spec.cell(), Math.min(spec.inputSize(), maxSize), hidden, spec.layers(),
                spec.bidirectional(), spec.bias(), v);
        return new BenchRow(training, s, Math.min(batch, maxBatch), Math.min(steps, maxSteps));
    }

    @Override
    public String toString() {
        String s = (training ? "train" : "infer") + ":" + spec.cell() + ":" + spec.inputSize() + ":"
                + spec.hiddenSize() + ":" + batch + ":" + steps;
        if (spec.layers() > 1 || spec.bidirectional()) {
            s += ":" + spec.layers() + (spec.bidirectional() ? ":1" : "");
        }
        if (!spec.variant().isNone()) {
            // Not part of the peer script's syntax: a suffix naming the variant, for tables and --filter.
            CellVariant v = spec.variant();
            s += "+" + (v.peepholes() ? "peepholes," : "") + (v.inputForget() ? "input_forget," : "")
                    + (v.hasClip() ? "clip=" + v.clip() + "," : "") + (v.cellClip() > 0 ? "cell_clip=" + v.cellClip() + "," : "")
                    + (v.linearAfterReset() ? "linear_before_reset=0," : "")
                    + (v.hasProjection() ? "proj_size=" + v.projectionSize() + "," : "")
                    + (v.hasActivations() ? "activations=" + v.activations().stream().map(Activation::toString)
                    .collect(java.util.stream.Collectors.joining("/")) + "," : "");
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
