package dev.rnn4j.examples;

import dev.rnn4j.BuildInfo;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rnn4j-examples}: the classic recurrent-network examples, each trained end to end on any backend. */
@Command(name = "rnn4j-examples", mixinStandardHelpOptions = true, versionProvider = Examples.Version.class,
        description = "The classic uses of recurrent networks, trained end to end on any backend.",
        footer = {"", "spark-forecast: data-parallel training and scoring on Apache Spark in local mode "
                + "(./rnn4j-examples spark-forecast --help)."},
        subcommands = {CharRnnExample.class, ClassificationExample.class, TaggingExample.class,
                GenerationExample.class, Seq2SeqExample.class, ForecastExample.class, AddingExample.class,
                SensorStreamsExample.class})
public final class Examples implements Runnable {
    /** The build's version and commit, as {@code rnn4j --version} says them. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {BuildInfo.describe().replaceFirst("^rnn4j", "rnn4j-examples")};
        }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(new Examples(), args, out, err);
    }

    /** Runs {@code command} (this, or an example started on its own, as spark-forecast is) on {@code args}. */
    static int execute(Object command, String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(command);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException || e instanceof java.io.IOException
                    || e instanceof IllegalStateException || e instanceof dev.rnn4j.BackendUnavailableException
                    || e instanceof java.io.UncheckedIOException) {
                commandLine.getErr().println(commandLine.getCommandName() + ": error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
