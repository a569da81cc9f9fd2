"""The device to run on, and the number format: bf16 where the hardware does it natively.
(torch is imported where it is used: `predict` and `serve` read PRECISIONS without it.)"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

PRECISIONS = ("auto", "fp32", "bf16", "fp16")  # auto: bf16 where native (resolve_precision)


def best_device() -> torch.device:
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def bf16_native(device: torch.device) -> bool:
    """GPUs with bf16 support; CPUs with AVX512-BF16 or AMX (older CPUs emulate it slowly)."""
    import torch

    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
        return any(getattr(torch.cpu, check, lambda: False)() for check in checks)
    return False


def resolve_precision(precision: str, device: torch.device) -> str:
    """`auto`: bf16 where native, fp16 on GPUs without bf16, fp32 otherwise."""
    if precision != "auto":
        return precision
    if bf16_native(device):
        return "bf16"
    return "fp16" if device.type == "cuda" else "fp32"


def autocast(precision: str, device: torch.device) -> AbstractContextManager:
    """Mixed-precision context for inference (weights stay fp32; matmuls run in bf16/fp16)."""
    resolved = resolve_precision(precision, device)
    if resolved == "fp32" or (resolved == "fp16" and device.type != "cuda"):
        return nullcontext()
    import torch

    return torch.autocast(
        device.type, dtype=torch.bfloat16 if resolved == "bf16" else torch.float16
    )
