"""Data: the label contract (labels.json), the validated split files, texts as the model sees them, data statistics, table file formats and saved probabilities."""
