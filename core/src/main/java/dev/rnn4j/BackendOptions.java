package dev.rnn4j;

/**
 * Options for opening a backend.
 *
 * @param device which device to use: null for the provider's default, a decimal index ({@code "1"}) or, where the
 *               provider supports it, a substring of the device name
 */
public record BackendOptions(String device) {

    /** The provider's default device. */
    public static BackendOptions defaults() {
        return new BackendOptions(null);
    }

    /** The device index, or -1 when {@link #device()} is null or not a number. */
    public int deviceIndex() {
        if (device == null || device.isEmpty() || !device.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Integer.parseInt(device);
    }
}
