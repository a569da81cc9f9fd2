"""Baseline: TF-IDF word and character n-grams with one-vs-rest logistic regression, and its params."""
