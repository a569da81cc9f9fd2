"""The label audit: out-of-fold probabilities and the training labels they call into question."""
