"""Ensemble: the `ensemble` params, members and baseline combined, the shipped classifier folder (written and read) and its model card."""
