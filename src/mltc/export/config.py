"""`export` of params.yaml: the ONNX export's int8 variant and the batch its parity check scores."""

from dataclasses import dataclass
from typing import Any

from mltc.core.validation import flag, integer, params_section


@dataclass(frozen=True)
class ExportConfig:
    int8: bool  # also write each member quantised to int8 (onnxruntime dynamic quantisation)
    batch_size: int  # texts per forward pass while the export is scored against torch

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "ExportConfig":
        section = params_section(params, "export")
        return cls(
            int8=flag("export", "int8", section.get("int8")),
            batch_size=integer("export", "batch_size", section.get("batch_size")),
        )
