"""Modeling: the preprocess/train/distributed/evaluate params, the model registry, building and fine-tuning classifiers (resumably), ensemble members' params, batched inference."""
