"""Serving: the Predictor API, the `predict` command and the `serve` HTTP service. A leaf: nothing else imports it."""
