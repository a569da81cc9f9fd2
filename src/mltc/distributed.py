"""Which process may write files when the train stage runs under torchrun."""

import os


def is_main_process() -> bool:
    """True on global rank 0 (or when not distributed): only this process writes outputs."""
    return int(os.environ.get("RANK", "0")) == 0
