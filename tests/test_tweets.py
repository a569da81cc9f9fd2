"""preprocess.normalise: tweets. Mentions, links, emoji and CamelCase hashtags are rewritten
before tokenizing, as part of the text encoding: training, `evaluate`, the Python API and the
ONNX runtime's tokenizer all read the same normalised text."""

import json

import numpy as np
import pytest
import tokenizers
from datasets import DatasetDict

from conftest import label_aware_member
from mltc.core.errors import PipelineError
from mltc.core.text import ENCODING_FILE, TextEncoding, Windows
from mltc.core.tokenized import tokenize_splits
from mltc.core.tweets import normalise_tweet
from mltc.modeling.chunking import in_chunks
from mltc.modeling.config import PreprocessConfig
from mltc.modeling.inference import predict_proba_chunks
from mltc.modeling.scoring import TorchMember

TWEETS = TextEncoding(32, normalise="tweets")


@pytest.mark.parametrize(
    ("tweet", "normalised"),
    [
        ("@Max_Kellerman  it helps! #GOPATS", "@user it helps! #GOPATS"),
        (
            "so happy 😍😂 #HappyDay",
            "so happy smiling face with heart-eyes face with tears of joy #Happy Day",
        ),
        ("read https://t.co/AbC and www.example.org/x now", "read http and http now"),
        ("mail a@b.com or @x_y.", "mail a@b.com or @user."),  # an address is not a mention
        ("👍🏽 ❤️ 👨‍👩‍👧", "thumbs up medium skin tone red heart family man woman girl"),
        ("no change here", "no change here"),
    ],
)
def test_a_tweet_is_normalised_into_words(tweet, normalised):
    assert normalise_tweet(tweet) == normalised


def test_emoji_the_tokenizer_cannot_read_become_words_it_can(tokenizer):
    """MiniLM's WordPiece vocabulary (the tiny model's too) reads an emoji as [UNK]."""
    text = "what a day 😂"
    as_is = TextEncoding(32).encode(tokenizer, [text])["input_ids"][0]
    assert tokenizer.unk_token_id in as_is
    normalised = TWEETS.encode(tokenizer, [text])["input_ids"][0]
    assert tokenizer.unk_token_id not in normalised
    assert tokenizer.decode(normalised, skip_special_tokens=True) == (
        "what a day face with tears of joy"
    )


@pytest.mark.parametrize(
    "encoding",
    [TWEETS, TextEncoding(24, ("anger", "joy"), Windows(4, "max", 3), "tweets")],
    ids=["plain", "label-aware-windows"],
)
def test_every_reader_of_the_texts_normalises_them_alike(tokenizer, encoding):
    texts = ["@someone 😂😂 #SoTired of this https://t.co/x " * 3, "calm day", "😡" * 40]
    normalised = [normalise_tweet(text) for text in texts]
    as_stands = TextEncoding(encoding.max_length, encoding.label_names, encoding.windows)
    expected = as_stands.encode(tokenizer, normalised)
    assert encoding.encode(tokenizer, texts) == expected
    assert encoding.too_long(tokenizer, texts) == as_stands.too_long(tokenizer, normalised)
    backend = tokenizers.Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    fast = encoding.encode_fast(backend, texts)
    if encoding.windows is None:
        assert [text.ids for text in fast] == expected["input_ids"]
    else:
        assert [[window.ids for window in text] for text in fast] == expected["input_ids"]
    assert encoding.too_long_fast(backend, texts) == encoding.too_long(tokenizer, texts)


def test_the_python_api_reads_tweets_as_evaluate_does_bit_for_bit(
    raw_slice, tokenizer, schema, label_names, tmp_path
):
    test = raw_slice["test"]
    assert any(normalise_tweet(text) != text for text in test["text"])  # it has work to do
    encoding = TextEncoding(64, tuple(label_names), None, "tweets")
    model = label_aware_member(tmp_path, schema, tokenizer, encoding)
    processed, _ = tokenize_splits(DatasetDict(test=test), tokenizer, encoding)
    evaluated = predict_proba_chunks(model, tokenizer, in_chunks(processed["test"]), 8)
    member = TorchMember(tmp_path)
    assert member.encoding == encoding
    np.testing.assert_array_equal(member.predict_proba(test["text"], 8), evaluated)


def test_the_encoding_file_names_the_normalisation_and_is_as_before_without_it(tmp_path):
    TWEETS.save(tmp_path)
    assert json.loads((tmp_path / ENCODING_FILE).read_text()) == {
        "max_length": 32, "label_names": None, "normalise": "tweets",
    }  # fmt: skip
    assert TextEncoding.load(tmp_path) == TWEETS
    TextEncoding(32).save(tmp_path)
    assert json.loads((tmp_path / ENCODING_FILE).read_text()) == {
        "max_length": 32, "label_names": None,
    }  # fmt: skip
    (tmp_path / ENCODING_FILE).write_text('{"max_length": 32, "normalise": "emoji"}')
    with pytest.raises(PipelineError) as error:
        TextEncoding.load(tmp_path)
    assert str(error.value) == (
        f"{tmp_path / ENCODING_FILE} is damaged: expected max_length (a positive integer), "
        "label_names (a list of names or null), optionally windows (overlap, pooling, "
        "max_windows) and normalise (tweets): restore it with dvc checkout, or re-run dvc repro"
    )


def test_the_normalise_param_is_read_and_checked():
    params = {"preprocess": {"max_length": 64}}
    assert PreprocessConfig.from_params(params).normalise is None  # absent: as the text stands
    params["preprocess"]["normalise"] = "none"
    assert PreprocessConfig.from_params(params).text_encoding(False, ["a"]) == TextEncoding(64)
    params["preprocess"]["normalise"] = "tweets"
    encoding = PreprocessConfig.from_params(params).text_encoding(True, ["a"])
    assert encoding == TextEncoding(64, ("a",), None, "tweets")
    params["preprocess"]["normalise"] = "tweet"
    with pytest.raises(PipelineError) as error:
        PreprocessConfig.from_params(params)
    assert str(error.value) == "preprocess.normalise='tweet': allowed values are none, tweets"


def test_members_that_read_a_text_differently_ship_and_serve_as_evaluate_read_each(
    raw_slice, tokenizer, schema, label_names, tmp_path
):
    """ensemble.members.<name>.preprocess.normalise: one member normalises, the other reads the
    text as it stands; the shipped classifier averages what each reads, and says which does."""
    from fastapi.testclient import TestClient

    from mltc.decision.rule import DecisionRule
    from mltc.ensemble.classifier_folder import write_classifier
    from mltc.ensemble.combine import combine
    from mltc.serving.predictor import Predictor
    from mltc.serving.server import create_app

    test = raw_slice["test"]
    evaluated, folders = [], {}
    for name, normalise in (("raw", None), ("tweets", "tweets")):
        encoding = TextEncoding(64, tuple(label_names), None, normalise)
        folders[name] = tmp_path / name
        folders[name].mkdir()
        model = label_aware_member(folders[name], schema, tokenizer, encoding)
        processed, _ = tokenize_splits(DatasetDict(test=test), tokenizer, encoding)
        evaluated.append(predict_proba_chunks(model, tokenizer, in_chunks(processed["test"]), 8))
    assert not np.array_equal(*evaluated)  # the two read different texts
    shipped = tmp_path / "classifier"
    rule = DecisionRule.fixed(label_names)
    write_classifier(shipped, folders, tmp_path / "none", 0.0, rule, {}, "# card\n")
    predictor = Predictor(shipped, batch_size=8, precision="fp32")  # as evaluated above
    np.testing.assert_array_equal(
        predictor.predict_proba(test["text"]), combine(evaluated, None, 0)
    )
    with TestClient(create_app(predictor, shipped)) as client:
        metadata = client.get("/metadata").json()
    assert metadata["normalise"] == {"raw": None, "tweets": "tweets"}
