import numpy as np
import pytest
from datasets import Dataset, DatasetDict

from mltc.core.errors import PipelineError
from mltc.core.text import TextEncoding
from mltc.core.tokenized import tokenize_splits


def test_tokens_are_truncated_but_not_padded(raw_slice, tokenizer):
    processed, _ = tokenize_splits(raw_slice, tokenizer, TextEncoding(16))
    lengths = [len(ids) for ids in processed["train"]["input_ids"]]
    assert max(lengths) == 16  # long tweets cut at max_length
    assert min(lengths) < 16  # short ones keep their own length: no padding
    assert all(tokenizer.pad_token_id not in ids for ids in processed["train"]["input_ids"])


def test_too_long_marks_exactly_the_texts_over_the_limit(tokenizer):
    texts = ["one", "one two three", "one two three four five six"]
    full = [len(ids) for ids in tokenizer(texts)["input_ids"]]  # [CLS] ... [SEP]
    assert full == [3, 5, 8]
    assert TextEncoding(5).too_long(tokenizer, texts) == [False, False, True]  # 5 fits, 8 not
    assert TextEncoding(4).too_long(tokenizer, texts) == [False, True, True]
    assert TextEncoding(8).too_long(tokenizer, texts) == [False, False, False]


def test_each_split_counts_its_truncated_texts_in_one_or_several_processes(tokenizer):
    texts = ["one", "one two three", "one two three four five six"] * 4
    splits = DatasetDict(
        train=Dataset.from_dict({"id": [str(i) for i in range(12)], "text": texts}),
        test=Dataset.from_dict({"id": ["a"], "text": ["one"]}),
    )
    one, counts = tokenize_splits(splits, tokenizer, TextEncoding(5))
    assert counts == {"train": 4, "test": 0}
    two, counts_in_two = tokenize_splits(splits, tokenizer, TextEncoding(5), num_proc=2)
    assert counts_in_two == counts
    assert two["train"]["input_ids"] == one["train"]["input_ids"]
    assert "truncated" not in one["train"].column_names


def test_labels_are_a_float32_matrix_in_contract_order(processed_slice, semeval_slice):
    assert processed_slice["validation"].features["labels"].feature.dtype == "float32"
    labels = np.asarray(processed_slice["validation"]["labels"])
    np.testing.assert_array_equal(labels, semeval_slice.splits["validation"].gold)


def test_only_ids_model_inputs_and_labels_are_kept(processed_slice, raw_slice):
    assert processed_slice["test"].column_names == [
        "id", "input_ids", "token_type_ids", "attention_mask", "labels",
    ]  # fmt: skip
    assert processed_slice["test"]["id"] == raw_slice["test"]["id"]


def test_a_split_without_labels_is_tokenized_without_them(raw_slice, tokenizer):
    unlabelled = raw_slice["test"].remove_columns("labels")
    processed, _ = tokenize_splits({"test": unlabelled}, tokenizer, TextEncoding(16))
    assert "labels" not in processed["test"].column_names


def test_encoding_round_trips_through_the_model_folder(tmp_path):
    TextEncoding(77).save(tmp_path)
    assert TextEncoding.load(tmp_path) == TextEncoding(77)
    with pytest.raises(PipelineError, match=r"has no text_encoding\.json"):
        TextEncoding.load(tmp_path / "elsewhere")


def test_label_aware_inputs_open_with_the_label_names_and_truncate_only_the_text(tokenizer):
    encoding = TextEncoding(12, ("pessimism", "very_happy"))
    assert encoding.label_prompt == "pessimism very happy"
    encoded = encoding.encode(tokenizer, ["one two", "one two three four five six seven"])
    short, long = encoded["input_ids"]
    prompt_ids = tokenizer("pessimism very happy", add_special_tokens=False)["input_ids"]
    text_ids = tokenizer("one two", add_special_tokens=False)["input_ids"]
    sep, cls = tokenizer.sep_token_id, tokenizer.cls_token_id
    assert short == [cls, *prompt_ids, sep, *text_ids, sep]
    assert encoded["token_type_ids"][0] == [0] * (len(prompt_ids) + 2) + [1] * (len(text_ids) + 1)
    assert len(long) == 12 and long[: len(prompt_ids) + 2] == short[: len(prompt_ids) + 2]
    assert encoding.too_long(tokenizer, ["one two", "one two three four five six seven"]) == [
        False, True,
    ]  # fmt: skip


def test_label_positions_point_at_each_name_whatever_its_token_count(tokenizer):
    encoding = TextEncoding(32, ("pessimism", "very_happy", "joy"))
    ids = encoding.encode(tokenizer, ["some text"])["input_ids"][0]
    positions = encoding.label_positions(tokenizer)
    names = [tokenizer.decode([ids[p] for p in label]) for label in positions]
    assert names == ["pessimism", "very happy", "joy"]
    assert len(positions[0]) > 1  # pessimism is several word pieces
    assert TextEncoding(32).label_positions(tokenizer) is None  # a plain encoding has none


def test_label_names_that_leave_no_room_for_a_text_are_refused(tokenizer):
    with pytest.raises(PipelineError, match=r"preprocess\.max_length=4 leaves no room"):
        TextEncoding(4, ("anger", "joy", "fear")).label_positions(tokenizer)


def test_a_label_aware_encoding_round_trips_through_the_model_folder(tmp_path):
    TextEncoding(77, ("anger", "joy")).save(tmp_path)
    assert TextEncoding.load(tmp_path) == TextEncoding(77, ("anger", "joy"))
    assert TextEncoding.for_model(77, False, ("anger", "joy")) == TextEncoding(77)
