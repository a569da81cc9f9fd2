"""The range a threshold may take: a probability that a label's probability must reach
(core.metrics.binarize), 0 giving every label and 1 only a certain one. One source for the stored
rule, `predict --threshold` and the server's `threshold`; it imports nothing, so that `predict`
checks its arguments before anything heavy loads."""

THRESHOLD_RANGE = (0, 1)


def valid_threshold(value: object) -> bool:
    low, high = THRESHOLD_RANGE
    return isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high
