"""Checks of params.yaml values, shared by every layer's config class: each fails before any
expensive work with one line naming the param (`section.key=value`) and what is allowed."""

from collections.abc import Callable
from typing import Any

from mltc.core.errors import PipelineError


def params_section(params: dict[str, Any], name: str) -> dict[str, Any]:
    section = params.get(name)
    if not isinstance(section, dict):
        raise PipelineError(f"params.yaml has no section '{name}'")
    return section


def one_of(section: str, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise PipelineError(f"{section}.{key}={value!r}: allowed values are {', '.join(allowed)}")
    return value


def integer(
    section: str, key: str, value: Any, minimum: int = 1, allow_none: bool = False
) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        hint = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise PipelineError(
            f"{section}.{key}={value!r}: expected {hint}{' or null' if allow_none else ''}"
        )
    return value


def number(
    section: str,
    key: str,
    value: Any,
    valid: Callable[[float], bool],
    expected: str,
    allow_none: bool = False,
) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not valid(value):
        raise PipelineError(
            f"{section}.{key}={value!r}: expected {expected}{' or null' if allow_none else ''}"
        )
    return float(value)


def flag(section: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise PipelineError(f"{section}.{key}={value!r}: expected true or false")
    return value


def optional_name(section: str, key: str, value: Any) -> str | None:
    """A string param that may be null; numbers (column positions) become strings."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PipelineError(f"{section}.{key}={value!r}: expected a name or null")
    return str(value)


def name_list(section: str, key: str, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise PipelineError(f"{section}.{key}={value!r}: expected a list of names or null")
    return tuple(str(name) for name in value)
