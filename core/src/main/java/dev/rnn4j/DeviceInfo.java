package dev.rnn4j;

/**
 * What a backend runs on.
 *
 * @param name          device name as its driver reports it
 * @param memoryBytes   device memory in bytes, or -1 if unknown
 * @param computeUnits  multiprocessors, compute units or cores, or -1 if unknown
 * @param description   driver and library versions and anything else worth printing
 */
public record DeviceInfo(String name, long memoryBytes, int computeUnits, String description) {
}
