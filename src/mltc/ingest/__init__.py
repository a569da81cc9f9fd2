"""Ingest: the `data` params, the sources (SemEval release, your files, the Hub), label formats, row and label checks, the split-off, and predictions written back in the input's layout."""
