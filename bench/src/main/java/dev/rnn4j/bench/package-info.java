/**
 * The {@code rnn4j} command line and the benchmarks. {@code bench} is the main job: suites of recurrent-layer rows
 * (DeepBench's problem sets shipped as CSV under {@code suites/}, a quick suite, or rows given on the command line)
 * timed per phase on one or all backends ({@link dev.rnn4j.bench.RowRunner}, {@link dev.rnn4j.bench.SampleTimer}),
 * verified against the oracle ({@link dev.rnn4j.bench.OracleCheck}) and written as tables, JSON and CSV
 * ({@link dev.rnn4j.bench.BenchReport}); with {@code --gemm}, SGEMM rows. {@code info} lists providers, probes,
 * devices and their measured SGEMM rate; {@code run} runs a layer from safetensors files; {@code demo} runs one
 * verified training step. The JMH benchmarks ({@code GemmBenchmark}, {@code CellBenchmark},
 * {@code LayerBenchmark}) live here too and run from the same jar with {@code org.openjdk.jmh.Main}.
 */
package dev.rnn4j.bench;
