package dev.rnn4j;

/**
 * Everything backward produces for one training forward pass.
 *
 * @param inputs  gradients of the input and the initial states
 * @param weights gradients of every weight and bias, named as the parameters
 */
public record LayerGradients(InputGradients inputs, RnnParameters weights) {
}
