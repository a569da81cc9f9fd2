"""The member a per-member stage script (preprocess, train, evaluate) runs for, from its command line."""

from mltc.core.errors import PipelineError


def stage_member(argv: list[str]) -> str:
    """The member a per-member stage runs for: `python stages/<stage>.py MEMBER` (dvc.yaml)."""
    names = [arg for arg in argv if not arg.startswith("--")]
    if len(names) != 1:
        raise PipelineError(
            "name the ensemble member: python stages/<stage>.py MEMBER (dvc repro runs every one)"
        )
    return names[0]
