package dev.rnn4j;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Which build of rnn4j this is: its version, and the commit it was built from where the build knew it. */
public final class BuildInfo {
    private static final Properties PROPERTIES = load();

    private BuildInfo() {
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // An unreadable resource leaves every value "unknown".
        }
        return p;
    }

    /** A property the build filled in, or "unknown" where it could not (no .git, an unfiltered resource). */
    private static String filled(String key) {
        String v = PROPERTIES.getProperty(key, "");
        return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    }

    /** This build's version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String version() {
        return filled("version");
    }

    /**
     * The commit this build was made from, abbreviated, with {@code -dirty} when the working tree had changes; or
     * "unknown" when built outside a git checkout.
     */
    public static String commit() {
        String commit = filled("commit");
        return commit.equals("unknown") || !"true".equals(PROPERTIES.getProperty("dirty")) ? commit
                : commit + "-dirty";
    }

    /** One line for {@code --version}: "rnn4j 0.1.0-SNAPSHOT (commit 1a2b3c4)". */
    public static String describe() {
        return "rnn4j " + version() + " (commit " + commit() + ")";
    }
}
