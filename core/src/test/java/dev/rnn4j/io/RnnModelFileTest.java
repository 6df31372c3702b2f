package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.CellType;
import dev.rnn4j.CellVariant;
import dev.rnn4j.Parameter;
import dev.rnn4j.RnnParameters;
import dev.rnn4j.RnnSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RnnModelFileTest {
    private final RnnSpec spec = new RnnSpec(CellType.GRU, 3, 4, 2, true, true);

    @Test
    void savesPyTorchNamesAndLoadsBack(@TempDir Path dir) throws Exception {
        RnnParameters w = RnnParameters.uniform(spec, 5);
        Path p = dir.resolve("gru.safetensors");
        RnnModelFile.save(p, w, true);
        SafetensorsFile f = SafetensorsFile.read(p);
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
                "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"),
                List.copyOf(f.tensors().keySet()));
        assertArrayEquals(new long[] {12, 8}, f.info("weight_ih_l1").shape());
        assertEquals("GRU", f.metadata().get("mode"));
        assertEquals("True", f.metadata().get("bidirectional"));
        RnnModelFile.Model m = RnnModelFile.load(p);
        assertEquals(spec, m.spec());
        assertTrue(m.batchFirst());
        for (Parameter prm : w.parameters()) {
            assertArrayEquals(w.get(prm.name()), m.weights().get(prm.name()), prm.name());
        }
        assertArrayEquals(w.get("bias_hh_l1"), RnnModelFile.load(p, spec).get("bias_hh_l1"));
    }

    @Test
    void peepholeModelsRoundTripAndSayTheyHavePeepholes(@TempDir Path dir) throws Exception {
        RnnSpec lstm = new RnnSpec(CellType.LSTM, 3, 4, 1, true, true, new CellVariant(true, false));
        RnnParameters w = RnnParameters.uniform(lstm, 6);
        Path p = dir.resolve("peephole.safetensors");
        RnnModelFile.save(p, w, false);
        SafetensorsFile f = SafetensorsFile.read(p);
        assertEquals("True", f.metadata().get("peepholes"));
        assertArrayEquals(new long[] {12}, f.info("weight_peephole_l0_reverse").shape());
        RnnModelFile.Model m = RnnModelFile.load(p);
        assertEquals(lstm, m.spec());
        assertArrayEquals(w.get("weight_peephole_l0"), m.weights().get("weight_peephole_l0"));
        // A plain LSTM file carries no peephole key, as PyTorch writes it.
        Path plain = dir.resolve("plain.safetensors");
        RnnModelFile.save(plain, RnnParameters.uniform(new RnnSpec(CellType.LSTM, 3, 4, 1, true, true), 6), false);
        assertEquals(null, SafetensorsFile.read(plain).metadata().get("peepholes"));
        assertEquals(false, RnnModelFile.load(plain).spec().peepholes());
        RnnSpec coupled = RnnSpec.builder(CellType.LSTM).inputSize(2).hiddenSize(3).inputForget(true).build();
        Path c = dir.resolve("coupled.safetensors");
        RnnModelFile.save(c, RnnParameters.uniform(coupled, 1), false);
        assertEquals("True", SafetensorsFile.read(c).metadata().get("input_forget"));
        assertEquals(coupled, RnnModelFile.load(c).spec());
        RnnSpec clipped = new RnnSpec(CellType.GRU, 2, 3, 1, false, true, CellVariant.clipped(2.5f));
        Path g = dir.resolve("clipped.safetensors");
        RnnModelFile.save(g, RnnParameters.uniform(clipped, 1), false);
        assertEquals("2.5", SafetensorsFile.read(g).metadata().get("clip"));
        assertEquals(clipped, RnnModelFile.load(g).spec());
        // The original GRU says so under ONNX's attribute name; PyTorch's GRU files carry no such key.
        RnnSpec original = RnnSpec.builder(CellType.GRU).inputSize(2).hiddenSize(3).linearAfterReset(true).build();
        Path og = dir.resolve("original-gru.safetensors");
        RnnModelFile.save(og, RnnParameters.uniform(original, 1), false);
        assertEquals("False", SafetensorsFile.read(og).metadata().get("linear_before_reset"));
        assertEquals(original, RnnModelFile.load(og).spec());
        Path pg = dir.resolve("pytorch-gru.safetensors");
        RnnModelFile.save(pg, RnnParameters.uniform(new RnnSpec(CellType.GRU, 2, 3, 1, false, true), 1), false);
        assertEquals(null, SafetensorsFile.read(pg).metadata().get("linear_before_reset"));
        assertEquals(false, RnnModelFile.load(pg).spec().linearAfterReset());
        // ONNX activations travel as ONNX's attributes, and come back the same.
        RnnSpec activated = RnnSpec.builder(CellType.LSTM).inputSize(2).hiddenSize(3).bidirectional(true)
                .activations(java.util.List.of(new dev.rnn4j.Activation(dev.rnn4j.Activation.Function.HARD_SIGMOID,
                        0.3f, 0.4f), dev.rnn4j.Activation.TANH, dev.rnn4j.Activation.of(
                        dev.rnn4j.Activation.Function.SOFTSIGN), dev.rnn4j.Activation.SIGMOID,
                        new dev.rnn4j.Activation(dev.rnn4j.Activation.Function.LEAKY_RELU, 0.2f, 0),
                        dev.rnn4j.Activation.TANH)).build();
        Path act = dir.resolve("activated.safetensors");
        RnnModelFile.save(act, RnnParameters.uniform(activated, 1), false);
        java.util.Map<String, String> meta = SafetensorsFile.read(act).metadata();
        assertEquals("HardSigmoid,Tanh,Softsign,Sigmoid,LeakyRelu,Tanh", meta.get("activations"));
        assertEquals("0.3,0.2", meta.get("activation_alpha"));
        assertEquals("0.4", meta.get("activation_beta"));
        assertEquals(activated, RnnModelFile.load(act).spec());
        assertEquals(null, SafetensorsFile.read(og).metadata().get("activations"));
        RnnSpec cellClipped = RnnSpec.builder(CellType.LSTM).inputSize(2).hiddenSize(3).cellClip(1.5f).build();
        Path cc = dir.resolve("cell-clipped.safetensors");
        RnnModelFile.save(cc, RnnParameters.uniform(cellClipped, 1), false);
        assertEquals("1.5", SafetensorsFile.read(cc).metadata().get("cell_clip"));
        assertEquals(cellClipped, RnnModelFile.load(cc).spec());
    }

    private static SafetensorsWriter stateDict(RnnParameters w, boolean metadata) {
        RnnSpec s = w.spec();
        SafetensorsWriter out = new SafetensorsWriter();
        if (metadata) {
            out.metadata("mode", s.cell().name()).metadata("input_size", "" + s.inputSize())
                    .metadata("hidden_size", "" + s.hiddenSize()).metadata("num_layers", "" + s.layers())
                    .metadata("bidirectional", s.bidirectional() ? "True" : "False");
        }
        return out;
    }

    private static String failure(Path p) {
        return assertThrows(MalformedFileException.class, () -> RnnModelFile.load(p)).getMessage();
    }

    @Test
    void rejectsMissingWrongOrExtraTensors(@TempDir Path dir) throws Exception {
        RnnParameters w = RnnParameters.uniform(spec, 5);
        List<Parameter> ps = w.parameters();

        SafetensorsWriter missing = stateDict(w, true);
        ps.stream().filter(p -> !p.name().equals("bias_hh_l1_reverse")).forEach(p -> missing.addF32(p.name(), w.get(p.name()), p.shape()));
        missing.write(dir.resolve("missing.safetensors"));
        String m = failure(dir.resolve("missing.safetensors"));
        assertTrue(m.contains("missing tensor 'bias_hh_l1_reverse' of shape [12]"), m);

        SafetensorsWriter shape = stateDict(w, true);
        ps.forEach(p -> shape.addF32(p.name(), w.get(p.name()),
                p.name().equals("weight_hh_l0") ? new long[] {4, 12} : p.shape()));
        shape.write(dir.resolve("shape.safetensors"));
        m = failure(dir.resolve("shape.safetensors"));
        assertTrue(m.contains("tensor 'weight_hh_l0' has shape [4, 12] but"), m);
        assertTrue(m.contains("needs [12, 4]"), m);

        SafetensorsWriter extra = stateDict(w, true);
        ps.forEach(p -> extra.addF32(p.name(), w.get(p.name()), p.shape()));
        extra.addF32("weight_hr_l0", new float[8], 2, 4);
        extra.write(dir.resolve("extra.safetensors"));
        m = failure(dir.resolve("extra.safetensors"));
        assertTrue(m.contains("unexpected tensors [weight_hr_l0]"), m);

        SafetensorsWriter nan = stateDict(w, true);
        ps.forEach(p -> {
            float[] v = w.get(p.name()).clone();
            if (p.name().equals("weight_ih_l1")) {
                v[3] = Float.NaN;
            }
            nan.addF32(p.name(), v, p.shape());
        });
        nan.write(dir.resolve("nan.safetensors"));
        m = failure(dir.resolve("nan.safetensors"));
        assertTrue(m.contains("tensor 'weight_ih_l1' holds NaN at flat index 3"), m);

        SafetensorsWriter ints = stateDict(w, true);
        ps.forEach(p -> {
            if (p.name().equals("bias_ih_l0")) {
                ints.addI64(p.name(), new int[12], 12);
            } else {
                ints.addF32(p.name(), w.get(p.name()), p.shape());
            }
        });
        ints.write(dir.resolve("ints.safetensors"));
        m = failure(dir.resolve("ints.safetensors"));
        assertTrue(m.contains("tensor 'bias_ih_l0' is I64; weights must be"), m);
    }

    @Test
    void metadataIsRequiredAndChecked(@TempDir Path dir) throws Exception {
        RnnParameters w = RnnParameters.uniform(spec, 5);
        SafetensorsWriter none = stateDict(w, false);
        w.parameters().forEach(p -> none.addF32(p.name(), w.get(p.name()), p.shape()));
        Path p = dir.resolve("plain.safetensors");
        none.write(p);
        String m = failure(p);
        assertTrue(m.contains("metadata lacks [mode, input_size, hidden_size]"), m);
        // With the spec given explicitly, a bare state_dict loads.
        assertArrayEquals(w.get("weight_ih_l0"), RnnModelFile.load(p, spec).get("weight_ih_l0"));

        RnnModelFile.save(p, w, false);
        RnnSpec other = new RnnSpec(CellType.GRU, 3, 4, 2, false, true);
        MalformedFileException e = assertThrows(MalformedFileException.class, () -> RnnModelFile.load(p, other));
        assertTrue(e.getMessage().contains("was asked for"), e.getMessage());

        new SafetensorsWriter().metadata("mode", "LSTMX").metadata("input_size", "3").metadata("hidden_size", "4")
                .write(p);
        assertTrue(failure(p).contains("metadata mode: unknown cell type 'LSTMX'"));
        new SafetensorsWriter().metadata("mode", "LSTM").metadata("input_size", "three").metadata("hidden_size", "4")
                .write(p);
        assertTrue(failure(p).contains("metadata input_size = 'three' is not an integer"));
        new SafetensorsWriter().metadata("mode", "LSTM").metadata("input_size", "3").metadata("hidden_size", "0")
                .write(p);
        assertTrue(failure(p).contains("hiddenSize must be > 0"));
        new SafetensorsWriter().metadata("mode", "LSTM").metadata("input_size", "3").metadata("hidden_size", "4")
                .metadata("bias", "maybe").write(p);
        assertTrue(failure(p).contains("metadata bias = 'maybe' is not a boolean"));
    }

    @Test
    void corruptFilesNeverLoad(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("m.safetensors");
        RnnModelFile.save(p, RnnParameters.uniform(spec, 5), false);
        byte[] good = Files.readAllBytes(p);
        // Every truncation fails with a MalformedFileException, never an out-of-bounds read or a partial model.
        for (int cut = 0; cut < good.length; cut += 7) {
            Files.write(p, java.util.Arrays.copyOf(good, cut));
            assertThrows(MalformedFileException.class, () -> RnnModelFile.load(p), "cut at " + cut);
        }
    }

    /**
     * Metadata declaring sixty thousand layers over a file of a few tensors: refused by counting, before any list or
     * array of the declared size exists; a billion layers is past {@link RnnSpec#MAX_LAYERS} (it ran out of heap once).
     */
    @Test
    void hostileLayerCountCostsNothing(@TempDir Path dir) throws Exception {
        RnnSpec small = new RnnSpec(CellType.LSTM, 2, 3, 1, false, true);
        RnnParameters w = RnnParameters.uniform(small, 1);
        SafetensorsWriter file = new SafetensorsWriter().metadata("mode", "LSTM").metadata("input_size", "2")
                .metadata("hidden_size", "3").metadata("num_layers", "60000").metadata("bidirectional", "True");
        w.parameters().forEach(p -> file.addF32(p.name(), w.get(p.name()), p.shape()));
        Path p = dir.resolve("hostile.safetensors");
        file.write(p);
        String m = failure(p);
        assertTrue(m.contains("missing tensor 'weight_ih_l0_reverse' of shape [12, 2]"), m);
        assertTrue(m.contains("which has 480000 parameter tensors; the file holds 4"), m);
        Path billion = dir.resolve("billion.safetensors");
        SafetensorsWriter more = new SafetensorsWriter().metadata("mode", "LSTM").metadata("input_size", "2")
                .metadata("hidden_size", "3").metadata("num_layers", "1000000000");
        w.parameters().forEach(p2 -> more.addF32(p2.name(), w.get(p2.name()), p2.shape()));
        more.write(billion);
        String b = failure(billion);
        assertTrue(b.contains("invalid spec: layers must be at most 65536, got 1000000000"), b);
    }
}
