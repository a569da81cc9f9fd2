"""Serving: the Predictor API, the `predict` command, prediction writers and the model card."""
