package dev.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The progress bar draws in place only where the error stream is a terminal. */
class ErrorStreamTest {
    @Test
    void terminalsAreTheTerminalDevices() {
        assertTrue(ErrorStream.isTerminalDevice("/dev/pts/3"));
        assertTrue(ErrorStream.isTerminalDevice("/dev/tty1"));
        assertTrue(ErrorStream.isTerminalDevice("/dev/console"));
        assertFalse(ErrorStream.isTerminalDevice("/tmp/bench.log"), "2>log");
        assertFalse(ErrorStream.isTerminalDevice("pipe:[123456]"), "2>&1 | tee");
        assertFalse(ErrorStream.isTerminalDevice("/dev/null"));
        assertFalse(ErrorStream.isTerminalDevice("socket:[42]"));
    }

    @Test
    void theLaunchersWordWins() {
        String before = System.getProperty(ErrorStream.PROPERTY);
        try {
            System.setProperty(ErrorStream.PROPERTY, "true");
            assertTrue(ErrorStream.isTerminal());
            System.setProperty(ErrorStream.PROPERTY, "false");
            assertFalse(ErrorStream.isTerminal());
        } finally {
            if (before == null) {
                System.clearProperty(ErrorStream.PROPERTY);
            } else {
                System.setProperty(ErrorStream.PROPERTY, before);
            }
        }
    }

    @Test
    void underMavenTheErrorStreamIsNoTerminal() {
        // Surefire's forked JVM writes its error stream into a pipe to Maven, never a terminal.
        if (System.getProperty(ErrorStream.PROPERTY) == null) {
            assertFalse(ErrorStream.isTerminal());
        }
    }
}
