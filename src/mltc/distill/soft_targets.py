"""Soft targets for a student member: each training text's gold labels mixed with a teacher's
probabilities (the shipped ensemble's), so that one model learns what several knew.

BCE is linear in its target, so training on (1 - w) * gold + w * teacher is training on
(1 - w) * BCE(gold) + w * BCE(teacher): the Trainer's own loss needs no change. Measured over
three seeds in benchmarks/results/levers/distillation.md.
"""

from collections.abc import Sequence

import numpy as np
from datasets import Dataset

from mltc.core.errors import PipelineError


def soft_targets(gold: np.ndarray, teacher: np.ndarray, weight: float) -> np.ndarray:
    """(1 - weight) * gold + weight * teacher, as float32 (texts x labels)."""
    if not 0.0 <= weight <= 1.0:
        raise PipelineError(f"distillation weight {weight}: expected a number from 0 to 1")
    if gold.shape != teacher.shape:
        raise PipelineError(
            f"the teacher's probabilities are {teacher.shape} (texts x labels), the gold labels "
            f"{gold.shape}: the teacher must score the same texts with the same labels"
        )
    if not np.all((teacher >= 0) & (teacher <= 1)):
        raise PipelineError("the teacher's probabilities must lie between 0 and 1")
    mixed = (1.0 - weight) * gold.astype(np.float64) + weight * teacher.astype(np.float64)
    return mixed.astype(np.float32)


def teacher_rows(train_ids: Sequence[str], teacher_ids: Sequence[str], source: str) -> np.ndarray:
    """The row of each training text in the teacher's probabilities, found by id; every training
    text must have one."""
    row_of = {str(text_id): row for row, text_id in enumerate(teacher_ids)}
    missing = [str(text_id) for text_id in train_ids if str(text_id) not in row_of]
    if missing:
        raise PipelineError(
            f"{source} has no probabilities for {len(missing)} training text(s), first id "
            f"{missing[0]!r}: score the same training split with the teacher"
        )
    return np.asarray([row_of[str(text_id)] for text_id in train_ids], dtype=np.int64)


def with_soft_targets(
    train: Dataset, teacher_ids: Sequence[str], teacher_probs: np.ndarray, weight: float,
    source: str,
) -> Dataset:  # fmt: skip
    """The tokenized train split with its `labels` replaced by the soft targets (the texts, ids
    and order unchanged)."""
    rows = teacher_rows(train["id"], teacher_ids, source)
    gold = np.asarray(train["labels"], dtype=np.float32)
    mixed = soft_targets(gold, np.asarray(teacher_probs)[rows], weight)
    features = train.features.copy()
    return train.remove_columns("labels").add_column(
        "labels", mixed.tolist(), feature=features["labels"]
    )
