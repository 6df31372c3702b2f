package dev.rnn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.DeviceBuffer;
import dev.rnn4j.internal.reference.ReferenceBackendProvider;
import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.spi.MatrixRef;
import dev.rnn4j.spi.OptimizerArgs;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * The reference training primitives — the yardstick every backend's are compared with — against PyTorch 1.13's
 * own numbers (fixtures/generate_training_fixtures.py): torch.optim.SGD with and without momentum, Adam, AdamW and
 * RMSprop over three steps with weight decay, cross_entropy with ignore_index and a summed squared error.
 */
class ReferenceTrainingMatchesPyTorchTest {

    static SafetensorsFile fixture(String name) throws Exception {
        try (InputStream in = Fixture.class.getResourceAsStream("/dev/rnn4j/conformance/training/" + name)) {
            return SafetensorsFile.parse(in.readAllBytes(), name);
        }
    }

    static void close(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol * (1 + Math.abs(expected[i])), what + "[" + i + "]");
        }
    }

    @Test
    void optimizersMatchTorchOptim() throws Exception {
        SafetensorsFile f = fixture("optimizers.safetensors");
        float[] w0 = f.floats("w0");
        int n = w0.length;
        try (Backend b = new ReferenceBackendProvider().open(BackendOptions.defaults())) {
            for (String name : new String[] {"sgd", "sgd_plain", "adam", "adamw", "rmsprop"}) {
                DeviceBuffer w = b.allocate(n);
                DeviceBuffer g = b.allocate(n);
                DeviceBuffer s1 = b.allocate(n);
                DeviceBuffer s2 = b.allocate(n);
                b.upload(w0, 0, w, 0, n);
                b.primitives().fill(s1, 0, n, 0f);
                b.primitives().fill(s2, 0, n, 0f);
                OptimizerArgs a = new OptimizerArgs();
                a.kind = name.startsWith("sgd") ? OptimizerArgs.Kind.SGD : name.startsWith("adam")
                        ? OptimizerArgs.Kind.ADAM : OptimizerArgs.Kind.RMSPROP;
                a.n = n;
                a.weights = w;
                a.gradients = g;
                a.state1 = name.equals("sgd_plain") ? null : s1;
                a.state2 = a.kind == OptimizerArgs.Kind.ADAM ? s2 : null;
                a.learningRate = 0.05f;
                a.weightDecay = 0.01f;
                a.decoupledWeightDecay = name.equals("adamw");
                a.momentum = name.equals("sgd") ? 0.9f : 0f;
                for (int step = 0; step < 3; step++) {
                    b.upload(f.floats("g" + step), 0, g, 0, n);
                    a.step = step + 1;
                    b.trainingPrimitives().optimizerStep(a);
                }
                float[] got = new float[n];
                b.download(w, 0, got, 0, n);
                close(f.doubles("w." + name), got, 1e-5, name);
            }
        }
    }

    @Test
    void lossesMatchTorch() throws Exception {
        SafetensorsFile f = fixture("losses.safetensors");
        float[] logits = f.floats("logits");
        int[] targets = f.ints("targets");
        int rows = targets.length;
        int classes = logits.length / rows;
        float[] pred = f.floats("pred");
        float[] target = f.floats("target");
        int cols = pred.length / rows;
        try (Backend b = new ReferenceBackendProvider().open(BackendOptions.defaults())) {
            DeviceBuffer z = b.allocate(logits.length);
            DeviceBuffer t = b.allocateInts(rows);
            DeviceBuffer dz = b.allocate(logits.length);
            DeviceBuffer loss = b.allocate(rows);
            b.upload(logits, 0, z, 0, logits.length);
            b.uploadInts(targets, 0, t, 0, rows);
            b.trainingPrimitives().softmaxCrossEntropy(new MatrixRef(z, 0, classes), t, rows, classes, 1f,
                    new MatrixRef(dz, 0, classes), loss);
            float[] got = new float[rows];
            b.download(loss, 0, got, 0, rows);
            close(f.doubles("ce.loss"), got, 1e-6, "cross-entropy loss");
            float[] grad = new float[logits.length];
            b.download(dz, 0, grad, 0, grad.length);
            close(f.doubles("ce.grad"), grad, 1e-6, "cross-entropy gradient");

            DeviceBuffer y = b.allocate(pred.length);
            DeviceBuffer yt = b.allocate(pred.length);
            DeviceBuffer dy = b.allocate(pred.length);
            b.upload(pred, 0, y, 0, pred.length);
            b.upload(target, 0, yt, 0, pred.length);
            b.trainingPrimitives().squaredError(new MatrixRef(y, 0, cols), new MatrixRef(yt, 0, cols), null, rows, cols,
                    1f, new MatrixRef(dy, 0, cols), loss);
            b.download(loss, 0, got, 0, rows);
            close(f.doubles("se.loss"), got, 1e-6, "squared error");
            float[] dgot = new float[pred.length];
            b.download(dy, 0, dgot, 0, dgot.length);
            close(f.doubles("se.grad"), dgot, 1e-6, "squared error gradient");
        }
    }
}
