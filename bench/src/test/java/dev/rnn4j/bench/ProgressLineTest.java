package dev.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
    private long now;

    @Test
    void quietForShortRunsThenABarWithAnEtaFromTheWorkDone() {
        StringWriter out = new StringWriter();
        ProgressLine p = new ProgressLine(new PrintWriter(out, true), false, true, 100, () -> now);
        now = 1_000_000_000L;
        p.advance(10, "row 1");
        assertEquals("", out.toString(), "nothing in the first seconds");
        now = 5_000_000_000L;
        p.advance(40, "row 2");
        // Half the work in 5 s: 5 s to go.
        assertTrue(out.toString().contains(" 50% elapsed 5s, ETA 5s  row 2"), out.toString());
        int lines = out.toString().split("\n").length;
        now = 6_000_000_000L;
        p.advance(10, "row 3");
        assertEquals(lines, out.toString().split("\n").length, "off a terminal, a line at most every 10 s");
        now = 16_000_000_000L;
        p.advance(40, "row 4");
        assertTrue(out.toString().contains("100% elapsed 16s, ETA 0s  row 4"), out.toString());
    }

    @Test
    void onATerminalTheBarIsRedrawnInPlaceAndEndedOnce() {
        StringWriter out = new StringWriter();
        ProgressLine p = new ProgressLine(new PrintWriter(out, true), true, true, 4, () -> now);
        now = 4_000_000_000L;
        p.advance(1, "a");
        now = 4_500_000_000L;
        p.advance(1, "b");
        p.finish();
        String s = out.toString();
        assertTrue(s.startsWith("\r["), s);
        assertEquals(2, s.split("\r", -1).length - 1, "one redraw per advance");
        assertTrue(s.endsWith("\n"), "the line is ended");
    }

    @Test
    void disabledPrintsNothing() {
        StringWriter out = new StringWriter();
        ProgressLine p = new ProgressLine(new PrintWriter(out, true), true, false, 1, () -> now);
        now = 100_000_000_000L;
        p.advance(1, "x");
        p.finish();
        assertEquals("", out.toString());
    }

    @Test
    void durationsReadLikeDurations() {
        assertEquals("59s", ProgressLine.duration(59_000_000_000L));
        assertEquals("2m05s", ProgressLine.duration(125_000_000_000L));
        assertEquals("1h01m", ProgressLine.duration(3_660_000_000_000L));
    }
}
