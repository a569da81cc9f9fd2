"""Decision: the `tune_thresholds` params, thresholds tuned on validation, the rule stored with a model, and its diagnostics."""
