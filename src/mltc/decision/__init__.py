"""The decision rule: thresholds tuned on validation, and the rule stored with a model."""
