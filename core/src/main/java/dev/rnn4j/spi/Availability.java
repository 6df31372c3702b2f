package dev.rnn4j.spi;

import java.util.Objects;

/**
 * A provider's honest answer to "can you run here?". When unavailable, {@code detail} says why in words a user
 * can act on ("libcuda.so.1 not found") and {@code remedy} says what to do about it.
 *
 * @param available whether {@link BackendProvider#open} is expected to succeed
 * @param detail    when available, what was found (device, driver); otherwise the reason it cannot run
 * @param remedy    what to do to make it available; empty when available
 */
public record Availability(boolean available, String detail, String remedy) {

    public Availability {
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(remedy, "remedy");
    }

    /** Available, with what was found. */
    public static Availability available(String detail) {
        return new Availability(true, detail, "");
    }

    /** Unavailable, with the reason and what to do about it. */
    public static Availability unavailable(String reason, String remedy) {
        return new Availability(false, reason, remedy);
    }

    @Override
    public String toString() {
        return available ? "available: " + detail : "unavailable: " + detail + (remedy.isEmpty() ? "" : " (" + remedy + ")");
    }
}
