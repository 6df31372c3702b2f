package dev.rnn4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The build fills in its version and, in a git checkout, its commit; nothing shows an unfilled placeholder. */
class BuildInfoTest {
    @Test
    void theVersionIsTheBuildsAndTheCommitIsAnAbbreviatedHashOrUnknown() {
        assertTrue(BuildInfo.version().matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), BuildInfo.version());
        assertTrue(BuildInfo.commit().matches("[0-9a-f]{7,40}(-dirty)?|unknown"), BuildInfo.commit());
        assertEquals("rnn4j " + BuildInfo.version() + " (commit " + BuildInfo.commit() + ")", BuildInfo.describe());
    }
}
