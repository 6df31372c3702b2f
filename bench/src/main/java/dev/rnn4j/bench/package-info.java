/**
 * The {@code rnn4j} command line: {@code info} (providers, probes, what auto picks), {@code run} (a layer from
 * safetensors files, for scripting and golden-file checks) and {@code demo} (a small verified forward/backward on
 * the selected backend). The benchmark suite joins it with issue #4.
 */
package dev.rnn4j.bench;
