"""Core: the error users see, atomic file writes, every path, the metrics, param checks and generated Markdown. Imports no other layer."""
