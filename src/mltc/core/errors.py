"""The one error type users see, and the wrapper that turns it into a one-line message."""

import sys
from collections.abc import Callable


class PipelineError(Exception):
    """Bad input or params: the message names the file, row or param and what to do."""


def run_stage(main: Callable[[], None]) -> None:
    """Run a stage's main(); a PipelineError ends it with one line on stderr and exit code 2."""
    try:
        main()
    except PipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
