"""Predictions written in the input's own layout (for SemEval E-c, the official submission format)."""

from collections.abc import Sequence

import numpy as np

from mltc.errors import PipelineError
from mltc.labels import LabelSchema


def format_predictions_tsv(
    ids: Sequence[str], texts: Sequence[str], pred: np.ndarray, schema: LabelSchema
) -> str:
    """Header, then `id<TAB>text<TAB>0/1 per label` in the schema's label order, LF line ends."""
    lines = ["\t".join([schema.id_column, schema.text_column, *schema.label_names])]
    for row, (text_id, text) in enumerate(zip(ids, texts, strict=True)):
        if any(char in text for char in "\t\r\n"):
            raise PipelineError(
                f"text {text_id!r} contains a tab or line break: it cannot go in a tab-separated file"
            )
        lines.append("\t".join([str(text_id), text, *(str(int(v)) for v in pred[row])]))
    return "\n".join(lines) + "\n"
