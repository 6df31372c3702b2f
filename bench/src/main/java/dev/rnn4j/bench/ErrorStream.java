package dev.rnn4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the error stream, where the progress bar draws, is a terminal. {@code System.console()} answers for
 * standard input and output instead, so {@code rnn4j bench 2>log} drew carriage-return bars into the log. The
 * launcher knows ({@code [ -t 2 ]}) and says so in {@link #PROPERTY}; without it, Linux tells through
 * {@code /proc/self/fd/2}; elsewhere the console's answer is the best there is.
 */
final class ErrorStream {
    /** Set by the launcher: whether file descriptor 2 is a terminal. */
    static final String PROPERTY = "rnn4j.stderr.terminal";
    private static final Path LINUX_FD2 = Path.of("/proc/self/fd/2");

    private ErrorStream() {
    }

    static boolean isTerminal() {
        String told = System.getProperty(PROPERTY);
        if (told != null) {
            return Boolean.parseBoolean(told);
        }
        if (Files.isSymbolicLink(LINUX_FD2)) {
            try {
                return isTerminalDevice(Files.readSymbolicLink(LINUX_FD2).toString());
            } catch (IOException | SecurityException e) {
                return false;
            }
        }
        return System.console() != null;
    }

    /** Whether a file descriptor's target names a terminal device (a pseudo-terminal or a console). */
    static boolean isTerminalDevice(String target) {
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
    }
}
