/**
 * rnn4j inside a JVM service. An {@link dev.rnn4j.serving.InferenceSession} holds one model's weights on one
 * backend, uploaded once, and takes single-sequence requests from any number of threads: a dispatcher thread of its
 * own gathers what is queued into one variable-length batch (up to a maximum batch, waiting at most a maximum queue
 * delay for more), runs it, and gives each caller exactly its own result. Callers only enqueue; the dispatcher is
 * the one thread that computes, so sessions never contend for a layer and a caller never blocks on another's work.
 */
package dev.rnn4j.serving;
