/**
 * rnn4j on Apache Spark.
 *
 * <p>{@link dev.rnn4j.spark.RecurrentTransformer} scores a {@code Dataset} of sequences as an MLlib
 * {@code Transformer}: the model file is read once on the driver and broadcast; each executor JVM keeps a pool of
 * layers, one per running task, each on its own backend (opened lazily, closed when the JVM stops); a partition's
 * rows are read as Spark's internal rows and run in batches, sorted by length within a window so that a batch pads
 * little.
 *
 * <p>{@link dev.rnn4j.spark.DataParallelTrainer} trains synchronously, one replica per partition, the gradients
 * summed every step weighted by shard size: in barrier mode by a ring all-reduce among the tasks
 * ({@code RingAllReduce}), or by one {@code treeAggregate} job per step. Checkpoints go to any Hadoop path
 * ({@code TrainingCheckpoints}); a retried stage or task resumes from them.
 */
package dev.rnn4j.spark;
