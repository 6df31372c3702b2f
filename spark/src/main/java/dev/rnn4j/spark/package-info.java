/**
 * rnn4j on Apache Spark. {@link dev.rnn4j.spark.RecurrentTransformer} scores a {@code Dataset} of sequences as an
 * MLlib {@code Transformer}: the model file is read once on the driver and broadcast, each executor JVM opens one
 * backend (lazily, closed when the JVM stops) and keeps a pool of layers, and the rows of a partition run in
 * batches, sorted by length within a window so that a batch pads little. {@link
 * dev.rnn4j.spark.DataParallelTrainer} trains synchronously in barrier mode, one replica per partition, the
 * gradients exchanged and averaged every step.
 */
package dev.rnn4j.spark;
