package dev.rnn4j.spark;

import dev.rnn4j.io.SafetensorsFile;
import dev.rnn4j.train.Checkpoint;
import dev.rnn4j.train.Optimizer;
import dev.rnn4j.train.SequenceModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Training checkpoints in one directory of any Hadoop file system ({@code hdfs://}, {@code s3a://}, {@code file:}),
 * written every few steps and read back to resume. A checkpoint is the core's checkpoint file (model, optimizer
 * state, step), named by its step; it is written under a temporary name and renamed, so a reader never meets half
 * of one. The newest complete one is the one resumed from.
 *
 * <p>It travels to executors with the Hadoop configuration it was made with (serialised as Hadoop writes it).
 */
final class TrainingCheckpoints implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final String PREFIX = "step-";
    private static final String SUFFIX = ".ckpt";
    /** Decimal digits of the step in a name, so names sort as steps do. */
    private static final String STEP_FORMAT = "%010d";
    /** The largest checkpoint read back: the most one Java array holds. */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 64;

    private final String directory;
    private final int every;
    private final byte[] configuration;
    private transient Configuration hadoop;

    /**
     * @param directory a Hadoop path (a plain path is the default file system's)
     * @param every     steps between checkpoints (≥ 1)
     */
    TrainingCheckpoints(String directory, int every, Configuration hadoop) {
        if (every < 1) {
            throw new IllegalArgumentException("checkpoints must be at least 1 step apart, got " + every);
        }
        this.directory = directory;
        this.every = every;
        this.hadoop = hadoop;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            hadoop.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.configuration = bytes.toByteArray();
    }

    /** Whether a checkpoint is due after {@code step} steps of {@code total}: every few, and the last. */
    boolean dueAfter(int step, int total) {
        return step % every == 0 || step == total;
    }

    /** Saves the model and optimizer after {@code step} steps. */
    void save(SequenceModel model, Optimizer optimizer, int step) {
        java.nio.file.Path local = null;
        try {
            local = Files.createTempFile("rnn4j-checkpoint", SUFFIX);
            Checkpoint.save(local, model, optimizer, step, Map.of());
            FileSystem fs = fileSystem();
            Path target = new Path(directory, PREFIX + String.format(STEP_FORMAT, step) + SUFFIX);
            Path partial = new Path(directory, "." + target.getName() + ".partial");
            try (FSDataOutputStream out = fs.create(partial, true)) {
                Files.copy(local, out);
            }
            fs.delete(target, false);
            if (!fs.rename(partial, target)) {
                throw new IOException("could not rename " + partial + " to " + target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the checkpoint after step " + step + " to " + directory
                    + ": " + e.getMessage(), e);
        } finally {
            if (local != null) {
                local.toFile().delete();
            }
        }
    }

    /** Restores the newest checkpoint into the model and optimizer; its step, or 0 when there is none. */
    int restoreNewest(SequenceModel model, Optimizer optimizer) {
        try {
            FileSystem fs = fileSystem();
            Path dir = new Path(directory);
            if (!fs.exists(dir)) {
                return 0;
            }
            Path newest = null;
            for (var status : fs.listStatus(dir)) {
                String name = status.getPath().getName();
                if (name.startsWith(PREFIX) && name.endsWith(SUFFIX)
                        && (newest == null || name.compareTo(newest.getName()) > 0)) {
                    newest = status.getPath();
                }
            }
            if (newest == null) {
                return 0;
            }
            long length = fs.getFileStatus(newest).getLen();
            if (length > MAX_BYTES) {
                throw new IOException(newest + " is " + length + " bytes; a checkpoint is at most " + MAX_BYTES);
            }
            byte[] bytes = new byte[(int) length];
            try (InputStream in = fs.open(newest)) {
                new DataInputStream(in).readFully(bytes);
            }
            long step = Checkpoint.load(SafetensorsFile.parse(bytes, newest.toString()), model, optimizer).step();
            return Math.toIntExact(step);
        } catch (IOException e) {
            throw new UncheckedIOException("could not resume from the checkpoints in " + directory + ": "
                    + e.getMessage(), e);
        }
    }

    private FileSystem fileSystem() throws IOException {
        if (hadoop == null) {
            hadoop = new Configuration(false);
            hadoop.readFields(new DataInputStream(new ByteArrayInputStream(configuration)));
        }
        return new Path(directory).getFileSystem(hadoop);
    }

    @Override
    public String toString() {
        return directory + " every " + every + " steps";
    }
}
