package dev.rnn4j.bench;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The command line's checks on the files it is given, made before any work: an input must be a readable regular
 * file, an output must be a file name whose folder is (or can become) a folder. A directory where a file belongs
 * otherwise surfaced as the operating system's "Is a directory", naming no file, after the computation had run.
 */
final class CommandFiles {
    /** What an output option takes to mean standard output. */
    static final String STDOUT = "-";

    private CommandFiles() {
    }

    /** Whether {@code path} is {@link #STDOUT}: the report goes to standard output, the human table elsewhere. */
    static boolean isStdout(Path path) {
        return path != null && path.toString().equals(STDOUT);
    }

    /**
     * {@code path}, given with {@code option}, as a file to read.
     *
     * @throws NoSuchFileException      when nothing is there
     * @throws IllegalArgumentException when it is a directory or cannot be read
     */
    static Path input(Path path, String option) throws NoSuchFileException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path + " (" + option + ")");
        }
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException(option + " " + path + " is a directory; give a file");
        }
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException(option + " " + path + " cannot be read: permission denied");
        }
        return path;
    }

    /**
     * {@code path}, given with {@code option}, as a file to write: {@link #STDOUT}, or not a directory and every
     * existing ancestor a directory (missing folders are made when it is written).
     *
     * @throws IllegalArgumentException naming what is in the way
     */
    static Path output(Path path, String option) {
        if (isStdout(path)) {
            return path;
        }
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException(option + " " + path + " is a directory; give a file name");
        }
        for (Path p = path.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new IllegalArgumentException(option + " " + path + " cannot be written: " + p
                            + " is a file, not a folder");
                }
                break;
            }
        }
        return path;
    }
}
