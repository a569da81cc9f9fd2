"""Out-of-fold probabilities from fine-tuned members (audit.model: members): each ensemble member
fine-tuned K times, each time on the texts of the other folds (their train texts to learn from,
their validation texts to keep the best epoch), and scoring the held-out fold; the members'
probabilities averaged with equal weights, as the ensemble averages them. K full trainings per
member: minutes on a GPU, hours on a CPU."""

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from datasets import Dataset, DatasetDict
from transformers import PreTrainedTokenizerBase

from mltc.core.labels import LabelSchema
from mltc.core.text import TextEncoding
from mltc.core.tokenized import tokenize_split
from mltc.modeling import training
from mltc.modeling.config import PreprocessConfig, TrainConfig
from mltc.modeling.inference import predict_proba
from mltc.modeling.input_choice import member_encoding
from mltc.modeling.members import member_training
from mltc.modeling.model_files import load_tokenizer
from mltc.modeling.registry import ModelSpec


@dataclass(frozen=True)
class MemberSetup:
    """What one member's fine-tunings need, from its params (checked before any training)."""

    name: str
    spec: ModelSpec
    config: TrainConfig
    tokenizer: PreTrainedTokenizerBase
    encoding: TextEncoding
    schema: LabelSchema
    attention: bool  # the head: label attention (mltc.modeling.input_choice)


def member_setup(params: dict, member: str, schema: LabelSchema) -> MemberSetup:
    """The member's model, train params, tokenizer and encoding, as the train stage reads them."""
    params, spec, config = member_training(params, member)
    tokenizer = load_tokenizer(spec)
    encoding, choice = member_encoding(
        PreprocessConfig.from_params(params), config.label_aware, schema.label_names, tokenizer
    )
    return MemberSetup(member, spec, config, tokenizer, encoding, schema, choice.attention)


def member_out_of_fold(
    setup: MemberSetup, ids: np.ndarray, texts: list[str], gold: np.ndarray,
    is_train: np.ndarray, fold: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """One member's out-of-fold probabilities (texts x labels)."""
    tokenizer, config = setup.tokenizer, setup.config
    rows = Dataset.from_dict({"id": ids.tolist(), "text": list(texts),
                              "labels": gold.astype(np.int8).tolist()})  # fmt: skip
    encoded, _ = tokenize_split(rows, tokenizer, setup.encoding, f"tokenize for {setup.name}")
    probs = np.zeros(gold.shape, dtype=np.float32)
    folds = np.unique(fold)
    for index in folds:
        held_out = fold == index
        splits = DatasetDict({
            "train": encoded.select(np.flatnonzero(~held_out & is_train)),
            "validation": encoded.select(np.flatnonzero(~held_out & ~is_train)),
        })  # fmt: skip
        print(f"audit: {setup.name}, fold {index + 1} of {len(folds)}")
        with tempfile.TemporaryDirectory() as checkpoints:
            trainer = training.build_trainer(
                setup.spec, setup.schema, splits, tokenizer, config, Path(checkpoints), None,
                setup.encoding, setup.attention,
            )  # fmt: skip
            trainer.train()
        scored = encoded.select(np.flatnonzero(held_out)).remove_columns(["id", "labels"])
        probs[held_out] = predict_proba(
            trainer.model, tokenizer, scored.to_dict(), config.eval_batch_size,
            precision=config.precision, pooling=setup.encoding.pooling,
        )  # fmt: skip
    return probs
