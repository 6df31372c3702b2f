package dev.rnn4j.io;

import java.io.IOException;

/** A weight or tensor file that cannot be trusted: the message names the file, the tensor and the problem. */
public class MalformedFileException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong and where */
    public MalformedFileException(String message) {
        super(message);
    }

    /** @param message what is wrong and where; @param cause the parser's error */
    public MalformedFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
