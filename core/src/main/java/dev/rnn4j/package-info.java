/**
 * The public recurrent-layer API: describe a stack with {@link dev.rnn4j.RnnSpec}, hold its weights in
 * {@link dev.rnn4j.RnnParameters} (PyTorch state_dict names), open a backend with {@link dev.rnn4j.Backends}, and
 * run it through a {@link dev.rnn4j.RecurrentLayer}: forward for inference or training, backward-data and
 * backward-weights for every gradient. Shapes, layouts and the packed-sequence semantics of variable lengths are
 * documented on {@link dev.rnn4j.RnnInput}.
 */
package dev.rnn4j;
