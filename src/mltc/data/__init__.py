"""Data: sources (SemEval release, your files, the Hub), label formats, the label contract, splits, text encoding, statistics."""
