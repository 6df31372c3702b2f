package dev.rnn4j.bench;

import dev.rnn4j.BackendUnavailableException;
import dev.rnn4j.BuildInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code rnn4j} program. */
@Command(name = "rnn4j", mixinStandardHelpOptions = true, versionProvider = Rnn4jCommand.Version.class,
        description = "Recurrent neural networks on the JVM: backends, runs from files, demos.",
        subcommands = {InfoCommand.class, RunCommand.class, DemoCommand.class, BenchCommand.class, ServeBenchCommand.class,
                SoakCommand.class, CommandLine.HelpCommand.class})
public final class Rnn4jCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the program and exits with its status. */
    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the program, writing to the given streams: 0 on success, 1 when the work failed (one line on
     * {@code err} saying why), 2 for a usage error.
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Rnn4jCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("rnn4j " + commandLine.getCommandName() + ": error: " + oneLine(e));
            commandLine.getErr().flush();
            return 1;
        });
        return cli.execute(args);
    }

    /** The failure in one line: expected failures by their message, anything else with its type. */
    static String oneLine(Throwable e) {
        Throwable t = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
        boolean expected = t instanceof IOException || t instanceof IllegalArgumentException
                || t instanceof IllegalStateException || t instanceof BackendUnavailableException;
        String message = t.getMessage() == null ? "" : t.getMessage().replace('\n', ' ');
        if (t instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + message;
        }
        return expected ? message : t.getClass().getSimpleName() + ": " + message;
    }

    /** The version from the build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {BuildInfo.describe()};
        }
    }

    /** This build's version, e.g. 0.1.0-SNAPSHOT. */
    static String version() {
        return BuildInfo.version();
    }
}
