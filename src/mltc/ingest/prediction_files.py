"""Predictions written in the input's own layout: the official format for SemEval, else the
input's file type, columns and label format (0/1 columns, a list, or names joined by the
delimiter; integer ids where the input had ids)."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mltc.core.files import atomic_path
from mltc.core.labels import LabelSchema
from mltc.core.tables import SUFFIX_BY_FORMAT, write_table
from mltc.ingest import semeval


def predictions_file_name(schema: LabelSchema) -> str:
    return "predictions" + (
        ".tsv" if schema.layout.kind == "semeval" else SUFFIX_BY_FORMAT[schema.layout.file_format]
    )


def predictions_frame(
    ids: Sequence[str], texts: Sequence[str], pred: np.ndarray, schema: LabelSchema
) -> pd.DataFrame:
    """The rows as the input stored them: id and text columns, then the labels in its format."""
    layout, names = schema.layout, list(schema.label_names)
    frame = pd.DataFrame({layout.id_column: list(ids), layout.text_column: list(texts)})
    if layout.label_format == "columns":
        for index, name in enumerate(names):
            frame[name] = pred[:, index].astype(int)
        return frame
    per_text = [
        [index if layout.label_ids else names[index] for index in np.flatnonzero(row)]
        for row in pred
    ]
    if layout.label_format == "list":
        frame[layout.label_column] = per_text
    else:
        frame[layout.label_column] = [
            layout.delimiter.join(map(str, labels)) for labels in per_text
        ]
    return frame


def write_predictions(
    folder: Path, ids: Sequence[str], texts: Sequence[str], pred: np.ndarray, schema: LabelSchema
) -> Path:
    """Write the predictions file into a fresh `folder`; nothing is published if any row fails."""
    with atomic_path(folder) as staging:
        staging.mkdir()
        target = staging / predictions_file_name(schema)
        if schema.layout.kind == "semeval":
            content = semeval.format_predictions(ids, texts, pred, schema.label_names)
            target.write_text(content, encoding="utf-8", newline="\n")
        else:
            frame = predictions_frame(ids, texts, pred, schema)
            write_table(frame, target, schema.layout.file_format, schema.layout.header)
    return Path(folder) / predictions_file_name(schema)
