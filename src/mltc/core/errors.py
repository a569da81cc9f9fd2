"""The one error type users see, and the wrapper that turns it into a one-line message."""

import sys
from collections.abc import Callable


class PipelineError(Exception):
    """Bad input or params: the message names the file, row or param and what to do."""


def first_line(error: Exception) -> str:
    """An exception in one line for a message: its type and its first line."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def run_stage(main: Callable[[], None]) -> None:
    """Run a stage's main(); a PipelineError ends it with one line on stderr and exit code 2."""
    try:
        main()
    except PipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
