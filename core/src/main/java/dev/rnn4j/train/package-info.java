/**
 * Training whole models around the recurrent layers, with the arithmetic on the backend: building
 * blocks ({@link dev.rnn4j.train.Embedding}, {@link dev.rnn4j.train.Linear}, {@link dev.rnn4j.train.Dropout}),
 * losses ({@link dev.rnn4j.train.Losses}), optimizers ({@link dev.rnn4j.train.Optimizer}: SGD with momentum, Adam,
 * AdamW, RMSprop), {@link dev.rnn4j.train.GradientClipping} by global norm, {@link dev.rnn4j.train.Initializers},
 * {@link dev.rnn4j.train.SequenceModel}, a small container that owns its parameters and gradients, and
 * {@link dev.rnn4j.train.TruncatedBptt}, TBPTT(k1, k2) over long streams. Every
 * operation runs through the backend's {@link dev.rnn4j.spi.TrainingPrimitives} and {@link dev.rnn4j.spi.Primitives}.
 */
package dev.rnn4j.train;
