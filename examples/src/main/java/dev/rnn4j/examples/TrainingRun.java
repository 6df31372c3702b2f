package dev.rnn4j.examples;

import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.EarlyStopping;
import dev.rnn4j.train.LearningRateSchedule;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;
import dev.rnn4j.train.TruncatedBptt;
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
import java.util.function.LongToDoubleFunction;
import java.util.function.Supplier;

/**
 * The training loop every example shares: steps until a step or time limit, the learning-rate schedule, gradient
 * clipping, validation every so often with early stopping, a checkpoint of the best model and one of the latest
 * state ({@code NAME-latest.safetensors}, what an interrupted run resumes from), a progress line with loss and
 * throughput, and the loss curve as a PNG beside the checkpoint.
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
        return runUpdates(model, optimizer, step -> model.trainStep(train.apply(step), optimizer, s.clipNorm()),
                validation, s, progress);
    }

    /** As above with the update given: {@code update} trains step {@code step} and returns its loss. */
    static Result runUpdates(SequenceModel model, Optimizer optimizer, LongToDoubleFunction update,
                             Supplier<List<SequenceModel.Batch>> validation, Settings s, PrintWriter progress) {
        return runUpdates(model, optimizer, update, validation, s, progress, 0, () -> null);
    }

    /**
     * As above from step {@code firstStep} (a resumed run: {@code maxSteps} still counts from zero, the result and the
     * loss curve hold this run's steps only), saving with each checkpoint the truncated-BPTT progress that
     * {@code streamProgress} gives (null: none).
     */
    static Result runUpdates(SequenceModel model, Optimizer optimizer, LongToDoubleFunction update,
                             Supplier<List<SequenceModel.Batch>> validation, Settings s, PrintWriter progress,
                             long firstStep, Supplier<TruncatedBptt.Progress> streamProgress) {
        List<Double> losses = new ArrayList<>();
        List<double[]> valid = new ArrayList<>();
        long start = System.nanoTime();
        long lastReport = start;
        long step = firstStep;
        double lastValid = Double.NaN;
        for (; step < s.maxSteps(); step++) {
            if (s.maxTime() != null && System.nanoTime() - start > s.maxTime().toNanos()) {
                break;
            }
            optimizer.setLearningRate(s.schedule().at(step));
            losses.add(update.applyAsDouble(step));
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
                if (s.checkpoint() != null) {
                    // The latest state always (what a crashed run resumes from), the best one when it improves.
                    save(model, optimizer, step + 1, streamProgress.get(), best
                            ? List.of(latest(s.checkpoint()), s.checkpoint()) : List.of(latest(s.checkpoint())));
                }
                if (s.stopping() != null && s.stopping().shouldStop()) {
                    step++;
                    break;
                }
            }
            long now = System.nanoTime();
            boolean terminal = progress != null && System.console() != null;
            if (progress != null && (now - lastReport > (terminal ? 250_000_000L : 2_000_000_000L) || last)) {
                lastReport = now;
                double seconds = (now - start) / 1e9;
                double limit = s.maxTime() == null ? Double.POSITIVE_INFINITY : s.maxTime().toNanos() / 1e9;
                String line = progressLine(step + 1, firstStep, s.maxSteps(), seconds, limit,
                        losses.get(losses.size() - 1), lastValid);
                if (terminal) {
                    progress.print("\r" + line + (last ? "\n" : ""));
                } else {
                    progress.println(line);
                }
                progress.flush();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (validation == null && s.checkpoint() != null) {
            save(model, optimizer, step, streamProgress.get(), List.of(s.checkpoint()));
        }
        double[] trainLoss = losses.stream().mapToDouble(Double::doubleValue).toArray();
        if (s.plot() != null) {
            LossPlot.write(s.plot(), trainLoss, valid);
        }
        return new Result(trainLoss, valid, step - firstStep, seconds);
    }

    /**
     * A progress bar: done fraction of the step or time limit (whichever comes first), loss, validation loss,
     * throughput (of this run, which began at {@code firstStep}) and the estimated time left.
     */
    static String progressLine(long step, long firstStep, long maxSteps, double seconds, double maxSeconds, double loss,
                               double valid) {
        double rate = (step - firstStep) / Math.max(seconds, 1e-9);
        double left = Math.min((maxSteps - step) / rate, Math.max(0, maxSeconds - seconds));
        double done = Math.min(1, Math.max((double) step / maxSteps, seconds / maxSeconds));
        int width = 24;
        int filled = (int) Math.round(done * width);
        return String.format(Locale.ROOT, "[%s%s] %3.0f%%  step %d  loss %.4f%s  %.2f steps/s  %s left",
                "#".repeat(filled), ".".repeat(width - filled), 100 * done, step, loss,
                Double.isNaN(valid) ? "" : String.format(Locale.ROOT, "  valid %.4f", valid), rate,
                Double.isFinite(left) ? duration(left) : "?");
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    /** {@code dir/name.safetensors} → {@code dir/name-latest.safetensors}: the checkpoint of the last validation. */
    static Path latest(Path checkpoint) {
        String name = checkpoint.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return checkpoint.resolveSibling(stem + "-latest" + (dot > 0 ? name.substring(dot) : ""));
    }

    private static void save(SequenceModel model, Optimizer optimizer, long step,
                             TruncatedBptt.Progress streamProgress, List<Path> paths) {
        try {
            Checkpoint.save(paths, model, optimizer, step, Map.of(), streamProgress);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
