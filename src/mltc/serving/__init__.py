"""Serving: the Predictor API and the `predict` command. A leaf: nothing else imports it."""
