import numpy as np
import pytest
from datasets import Dataset, DatasetDict

from mltc import semeval
from mltc.data.labels import LabelSchema
from mltc.data.text import tokenize_splits
from mltc.errors import PipelineError


def test_tokens_are_truncated_but_not_padded(raw_slice, tokenizer):
    processed = tokenize_splits(raw_slice, tokenizer, max_length=16, schema=semeval.SCHEMA)
    lengths = [len(ids) for ids in processed["train"]["input_ids"]]
    assert max(lengths) == 16  # long tweets cut at max_length
    assert min(lengths) < 16  # short ones keep their own length: no padding
    assert all(tokenizer.pad_token_id not in ids for ids in processed["train"]["input_ids"])


def test_labels_are_a_float32_matrix_in_contract_order(processed_slice, raw_slice):
    assert processed_slice["validation"].features["labels"].feature.dtype == "float32"
    labels = np.asarray(processed_slice["validation"]["labels"])
    assert labels.shape == (48, len(semeval.LABEL_NAMES))
    assert labels[:, semeval.LABEL_NAMES.index("joy")].tolist() == raw_slice["validation"]["joy"]


def test_only_ids_model_inputs_and_labels_are_kept(processed_slice, raw_slice):
    assert processed_slice["test"].column_names == [
        "id", "input_ids", "token_type_ids", "attention_mask", "labels",
    ]  # fmt: skip
    assert processed_slice["test"]["id"] == raw_slice["test"]["id"]


def test_a_label_missing_from_the_data_is_named(tokenizer):
    raw = DatasetDict({"train": Dataset.from_dict({"id": ["1"], "text": ["hi"], "joy": [1]})})
    schema = LabelSchema(("joy", "fear"))
    with pytest.raises(
        PipelineError, match=r"split 'train' has no column for label\(s\) \['fear'\]"
    ):
        tokenize_splits(raw, tokenizer, max_length=8, schema=schema)
