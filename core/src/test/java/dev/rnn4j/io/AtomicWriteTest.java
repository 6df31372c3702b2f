package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A save that dies halfway leaves the previous file whole and no temporary file behind. */
class AtomicWriteTest {
    @Test
    void aCrashBeforeTheRenameKeepsThePreviousFile(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("ckpt.safetensors");
        new SafetensorsWriter().addF32("w", new float[] {1, 2, 3}, 3).write(target);
        SafetensorsWriter next = new SafetensorsWriter().addF32("w", new float[] {4, 5, 6}, 3);
        assertThrows(IllegalStateException.class, () -> next.write(target, () -> {
            throw new IllegalStateException("killed mid-save");
        }));
        assertArrayEquals(new float[] {1, 2, 3}, SafetensorsFile.read(target).floats("w"));
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.allMatch(p -> p.equals(target)), "no temporary file left");
        }
        next.write(target);
        assertArrayEquals(new float[] {4, 5, 6}, SafetensorsFile.read(target).floats("w"));
    }
}
