package dev.rnn4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * spark-forecast, small, in Spark's local mode: it trains (the loss falls), scores the held-out windows, writes
 * what it says, resumes from its checkpoints, and refuses checkpoints of another model in one line.
 */
class SparkForecastExampleTest {
    private static final String[] SMALL = {"--series", "6", "--length", "40", "--window", "8",
            "--checkpoint-every", "3", "--master", "local[2]", "--executors", "2"};

    private static int run(Path out, int steps, int hidden, StringWriter printed, StringWriter err) {
        String[] args = java.util.stream.Stream.of(SMALL, new String[] {"--out", out.toString(), "--steps",
                Integer.toString(steps), "--hidden", Integer.toString(hidden)}).flatMap(java.util.stream.Stream::of)
                .toArray(String[]::new);
        return Examples.execute(new SparkForecastExample(), args, new PrintWriter(printed, true),
                new PrintWriter(err, true));
    }

    @Test
    void trainsScoresWritesAndResumes(@TempDir Path out) throws Exception {
        StringWriter printed = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, run(out, 5, 8, printed, err), err.toString());
        String text = printed.toString();
        assertTrue(text.contains("step    1  loss") && text.contains("step    5  loss"), text);
        assertTrue(text.matches("(?s).*held-out windows: 48; forecast MSE [0-9.]+, naive last-value MSE [0-9.]+.*"),
                text);
        for (String made : new String[] {"model.safetensors", "loss.png", "forecasts/_SUCCESS",
                "checkpoints/step-0000000003.ckpt", "checkpoints/step-0000000005.ckpt"}) {
            assertTrue(Files.exists(out.resolve(made)), made);
        }

        StringWriter again = new StringWriter();
        assertEquals(0, run(out, 7, 8, again, err), err.toString());
        assertTrue(again.toString().contains("resumed from the checkpoint after step 5"), again.toString());
        assertTrue(again.toString().contains("step    7  loss") && !again.toString().contains("step    1  loss"),
                again.toString());

        StringWriter refused = new StringWriter();
        assertEquals(1, run(out, 9, 9, new StringWriter(), refused));
        assertTrue(refused.toString().startsWith("spark-forecast: error: ")
                && refused.toString().contains("hiddenSize=9"), refused.toString());
    }
}
