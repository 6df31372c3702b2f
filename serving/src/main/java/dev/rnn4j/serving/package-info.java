/**
 * rnn4j inside a JVM service. An {@link dev.rnn4j.serving.InferenceSession} holds one model's weights on one
 * backend, uploaded once, and takes single-sequence requests and {@link dev.rnn4j.serving.SessionStream} feeds from
 * any number of threads: a dispatcher thread of its own gathers what is queued into variable-length batches (up to a
 * maximum batch, waiting at most a maximum queue delay for more), runs them, and gives each caller exactly its own
 * result. Streams keep their recurrent state on the device in a slot table ({@code StreamSlots}); each batched step
 * gathers the fed streams' slots, runs, and scatters the states back. Callers only enqueue; the dispatcher is the
 * one thread that computes, so callers never contend for a layer and a caller never blocks on another's work.
 */
package dev.rnn4j.serving;
