"""Modeling: the model registry, building and fine-tuning classifiers, batched inference, the TF-IDF baseline."""
