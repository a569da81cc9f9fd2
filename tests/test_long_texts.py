"""preprocess.long_texts: windows. A long text is read as overlapping windows, each scored, the
text's probabilities pooled; training pools the same way. On a learnable set whose deciding words
lie past the first window, truncating cannot tell the texts apart and windows learn them; the
Python API, the ONNX runtime and `evaluate` read windows alike."""

import itertools

import numpy as np
import pytest
import tokenizers
import torch
from datasets import DatasetDict
from transformers.trainer_pt_utils import LengthGroupedSampler

from benchmarks.long_texts import FILLER, LENGTH, fit, synthetic_splits
from conftest import label_aware_member
from mltc.core.errors import PipelineError
from mltc.core.metrics import binarize, label_metrics
from mltc.core.text import ENCODING_FILE, TextEncoding, Windows
from mltc.core.tokenized import tokenize_splits
from mltc.modeling.chunking import in_chunks, pool_windows
from mltc.modeling.config import PreprocessConfig
from mltc.modeling.inference import predict_proba_chunks
from mltc.modeling.scoring import TorchMember
from mltc.modeling.windows import WindowPoolingTrainer, pool_window_logits

WINDOWS = Windows(overlap=4, pooling="max", max_windows=8)


@pytest.fixture(scope="module")
def splits() -> DatasetDict:
    return synthetic_splits()


@pytest.mark.slow  # two minutes of training on 2 CPU cores
def test_windows_learn_what_lies_past_the_first_window_and_truncation_cannot(
    splits, tokenizer, tmp_path
):
    truncated, _ = tokenize_splits(splits, tokenizer, TextEncoding(LENGTH))
    assert len(set(map(tuple, truncated["test"]["input_ids"]))) == 1  # every text reads the same
    probs = fit(splits, tokenizer, TextEncoding(LENGTH, None, WINDOWS), tmp_path)
    gold = np.asarray(splits["test"]["labels"], dtype=np.int8)
    assert label_metrics(gold, binarize(probs))["micro_f1"] >= 0.95
    # truncated, a model can at best give every text the same labels: all of them is its best
    assert label_metrics(gold, np.ones_like(gold))["micro_f1"] < 0.7


@pytest.mark.parametrize("pooling", ["max", "mean"])
def test_the_python_api_reads_windows_as_evaluate_does_bit_for_bit(
    splits, tokenizer, schema, label_names, tmp_path, pooling
):
    encoding = TextEncoding(3 * LENGTH, tuple(label_names), Windows(4, pooling, 8))
    model = label_aware_member(tmp_path, schema, tokenizer, encoding)
    processed, cut = tokenize_splits(DatasetDict(test=splits["test"]), tokenizer, encoding)
    assert cut == {"test": 0}
    evaluated = predict_proba_chunks(model, tokenizer, in_chunks(processed["test"]), 8,
                                     pooling=pooling)  # fmt: skip
    member = TorchMember(tmp_path)
    assert member.encoding == encoding
    np.testing.assert_array_equal(member.predict_proba(splits["test"]["text"], 8), evaluated)
    # each text's windows scored one by one (no padding), and pooled by hand
    types = processed["test"]["token_type_ids"]
    assert {len(windows) for windows in processed["test"]["input_ids"][:6]} == {1, 2}
    for row, windows in enumerate(processed["test"]["input_ids"][:6]):
        scored = [
            model(input_ids=torch.tensor([ids]), token_type_ids=torch.tensor([types[row][i]]),
                  attention_mask=torch.ones(1, len(ids), dtype=torch.long)).logits
            for i, ids in enumerate(windows)
        ]  # fmt: skip
        window_probs = torch.sigmoid(torch.cat(scored)).detach().numpy()
        pooled = window_probs.max(axis=0) if pooling == "max" else window_probs.mean(axis=0)
        np.testing.assert_allclose(evaluated[row], pooled, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("names", [None, ("alpha", "beta_gamma")], ids=["plain", "label-aware"])
def test_windows_overlap_and_cover_the_whole_text(tokenizer, names):
    encoding = TextEncoding(LENGTH, names, Windows(4, "max", max_windows=32))
    text = " ".join(f"w{i}" for i in range(40))
    windows = encoding.encode(tokenizer, [text])["input_ids"][0]
    prompt = [] if names is None else tokenizer(encoding.label_prompt)["input_ids"][1:]
    pieces = []
    for window in windows:
        assert len(window) <= LENGTH
        assert window[: 1 + len(prompt)] == [tokenizer.cls_token_id, *prompt]
        pieces.append(window[1 + len(prompt) : -1])  # the text's tokens, markers left out
    for before, after in itertools.pairwise(pieces):
        assert before[-WINDOWS.overlap :] == after[: WINDOWS.overlap]
    whole = [*pieces[0], *(token for piece in pieces[1:] for token in piece[WINDOWS.overlap :])]
    assert whole == tokenizer(text, add_special_tokens=False)["input_ids"]


@pytest.mark.parametrize("names", [None, ("alpha", "beta_gamma")], ids=["plain", "label-aware"])
def test_the_tokenizers_library_cuts_the_same_windows(tokenizer, names):
    encoding = TextEncoding(LENGTH, names, Windows(4, "mean", 3))
    texts = ["short", FILLER * 2, FILLER * 9, "x " * 200]
    backend = tokenizers.Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    fast = encoding.encode_fast(backend, texts)
    expected = encoding.encode(tokenizer, texts)
    assert [[w.ids for w in text] for text in fast] == expected["input_ids"]
    assert [[w.type_ids for w in text] for text in fast] == expected["token_type_ids"]
    assert [len(text) for text in fast] == ([1, 3, 3, 3] if names else [1, 2, 3, 3])
    cut = encoding.too_long(tokenizer, texts)
    assert cut == encoding.too_long_fast(backend, texts) == [False, False, True, True]


def test_pooling_probabilities_is_pooling_logits():
    """max: the same numbers whether logits (training) or probabilities (inference) are pooled;
    mean: the mean probability, its logit in training."""
    logits = torch.randn(7, 3, generator=torch.Generator().manual_seed(0)) * 4
    counts = torch.tensor([1, 4, 2])
    window_probs = torch.sigmoid(logits).numpy()
    pooled = pool_window_logits(logits, counts, "max")
    np.testing.assert_array_equal(
        torch.sigmoid(pooled).numpy(), pool_windows(window_probs, counts.numpy(), "max")
    )
    np.testing.assert_array_equal(pooled[1], logits[1:5].max(dim=0).values)
    mean = torch.sigmoid(pool_window_logits(logits, counts, "mean")).numpy()
    np.testing.assert_allclose(mean, pool_windows(window_probs, counts.numpy(), "mean"), rtol=1e-5)
    np.testing.assert_allclose(mean[2], window_probs[5:7].mean(axis=0), rtol=1e-5)


def test_an_overlap_that_leaves_no_new_text_is_refused_before_any_work(tokenizer):
    encoding = TextEncoding(LENGTH, None, Windows(14, "max", 8))
    with pytest.raises(PipelineError) as error:
        encoding.check_windows(tokenizer)
    assert str(error.value) == (
        "preprocess.windows.overlap=14 must be smaller than the 14 text tokens a window of "
        "preprocess.max_length=16 holds: lower it (for example to 3) or raise "
        "preprocess.max_length"
    )


def test_windows_params_are_read_and_checked():
    params = {"preprocess": {"max_length": 64, "num_proc": 1, "long_texts": "windows",
                             "windows": {"overlap": 8, "pooling": "mean", "max_windows": 4}}}  # fmt: skip
    config = PreprocessConfig.from_params(params)
    assert config.text_encoding(False, ("a",)) == TextEncoding(64, None, Windows(8, "mean", 4))
    params["preprocess"]["windows"]["pooling"] = "sum"
    with pytest.raises(PipelineError) as error:
        PreprocessConfig.from_params(params)
    assert str(error.value) == "preprocess.windows.pooling='sum': allowed values are max, mean"
    params["preprocess"]["long_texts"] = "truncate"  # the windows section is then not read
    assert PreprocessConfig.from_params(params).windows is None


def test_a_truncating_encoding_file_is_as_before_and_a_damaged_windows_entry_is_named(tmp_path):
    TextEncoding(32).save(tmp_path)
    assert (tmp_path / ENCODING_FILE).read_text() == (
        '{\n  "max_length": 32,\n  "label_names": null\n}\n'
    )
    TextEncoding(32, None, WINDOWS).save(tmp_path)
    assert TextEncoding.load(tmp_path) == TextEncoding(32, None, WINDOWS)
    damaged = (tmp_path / ENCODING_FILE).read_text().replace('"max"', '"median"')
    (tmp_path / ENCODING_FILE).write_text(damaged)
    with pytest.raises(PipelineError, match="is damaged: expected max_length"):
        TextEncoding.load(tmp_path)


def test_group_by_length_groups_windowed_texts_by_their_tokens_not_their_windows():
    rows = {"input_ids": [[[1, 2]], [[1] * 5, [1] * 3], [[1] * 9]]}  # 2, 8 and 9 tokens
    sampler = LengthGroupedSampler(2, lengths=[1, 2, 1])  # what the Trainer counts: windows
    assert WindowPoolingTrainer._by_tokens(sampler, rows).lengths == [2, 8, 9]
