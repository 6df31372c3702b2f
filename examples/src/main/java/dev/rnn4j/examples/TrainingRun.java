package dev.rnn4j.examples;

import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.EarlyStopping;
import dev.rnn4j.train.LearningRateSchedule;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * The training loop every example shares: steps until a step or time limit, the learning-rate schedule, gradient
 * clipping, validation every so often with early stopping and a checkpoint of the best model, a progress line with
 * loss and throughput, and the loss curve as a PNG beside the checkpoint.
 */
final class TrainingRun {
    /**
     * How to train.
     *
     * @param maxSteps   stop after this many steps
     * @param maxTime    or after this long (null: no limit)
     * @param evalEvery  validate every this many steps (0: never)
     * @param clipNorm   global-norm clipping (0: none)
     * @param schedule   the learning rate per step
     * @param checkpoint where the best model goes (null: nowhere)
     * @param plot       where the loss curve goes (null: nowhere)
     * @param stopping   early stopping on the validation loss (null: none)
     */
    record Settings(long maxSteps, Duration maxTime, int evalEvery, double clipNorm, LearningRateSchedule schedule,
                    Path checkpoint, Path plot, EarlyStopping stopping) {
    }

    /** What happened: the loss per step, the validation losses (step, loss, seconds), the throughput. */
    record Result(double[] trainLoss, List<double[]> validation, long steps, double seconds) {
        double stepsPerSecond() {
            return steps / seconds;
        }

        double firstLoss() {
            return trainLoss[0];
        }

        /** The mean of the last {@code n} training losses. */
        double lastLoss(int n) {
            double sum = 0;
            int k = Math.min(n, trainLoss.length);
            for (int i = trainLoss.length - k; i < trainLoss.length; i++) {
                sum += trainLoss[i];
            }
            return sum / k;
        }
    }

    private TrainingRun() {
    }

    static Result run(SequenceModel model, Optimizer optimizer, LongFunction<SequenceModel.Batch> train,
                      Supplier<List<SequenceModel.Batch>> validation, Settings s, PrintWriter progress) {
        List<Double> losses = new ArrayList<>();
        List<double[]> valid = new ArrayList<>();
        long start = System.nanoTime();
        long lastReport = start;
        long step = 0;
        double lastValid = Double.NaN;
        for (; step < s.maxSteps(); step++) {
            if (s.maxTime() != null && System.nanoTime() - start > s.maxTime().toNanos()) {
                break;
            }
            optimizer.setLearningRate(s.schedule().at(step));
            losses.add(model.trainStep(train.apply(step), optimizer, s.clipNorm()));
            boolean last = step + 1 == s.maxSteps();
            if (validation != null && s.evalEvery() > 0 && ((step + 1) % s.evalEvery() == 0 || last)) {
                double sum = 0;
                List<SequenceModel.Batch> batches = validation.get();
                for (SequenceModel.Batch b : batches) {
                    sum += model.evaluate(b);
                }
                lastValid = sum / batches.size();
                valid.add(new double[] {step + 1, lastValid, (System.nanoTime() - start) / 1e9});
                boolean best = s.stopping() == null || s.stopping().record(step + 1, lastValid);
                if (best && s.checkpoint() != null) {
                    save(model, optimizer, step + 1, s.checkpoint());
                }
                if (s.stopping() != null && s.stopping().shouldStop()) {
                    step++;
                    break;
                }
            }
            long now = System.nanoTime();
            if (progress != null && (now - lastReport > 2_000_000_000L || last)) {
                lastReport = now;
                double seconds = (now - start) / 1e9;
                progress.printf(Locale.ROOT, "step %d/%d  loss %.4f%s  %.2f steps/s  %.0f s%n", step + 1,
                        s.maxSteps(), losses.get(losses.size() - 1), Double.isNaN(lastValid) ? ""
                                : String.format(Locale.ROOT, "  valid %.4f", lastValid), (step + 1) / seconds, seconds);
                progress.flush();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (validation == null && s.checkpoint() != null) {
            save(model, optimizer, step, s.checkpoint());
        }
        double[] trainLoss = losses.stream().mapToDouble(Double::doubleValue).toArray();
        if (s.plot() != null) {
            LossPlot.write(s.plot(), trainLoss, valid);
        }
        return new Result(trainLoss, valid, step, seconds);
    }

    private static void save(SequenceModel model, Optimizer optimizer, long step, Path path) {
        try {
            Checkpoint.save(path, model, optimizer, step, Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
