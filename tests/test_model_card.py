import numpy as np

from mltc.core.labels import LabelSchema
from mltc.core.stats import LabelTally, data_summary
from mltc.core.text import Windows
from mltc.decision.rule import DecisionRule
from mltc.ensemble.model_card import model_card
from mltc.modeling.heads import ATTENTION, LABEL_AWARE


def test_card_has_hub_metadata_data_labels_rule_metrics_and_loading():
    schema = LabelSchema(("bug", "billing"), labelled_splits=("train", "validation"))
    summary = data_summary(
        {
            "train": LabelTally.of(np.array([[1, 0], [1, 1]])),
            "validation": LabelTally.of(np.array([[0, 1]])),
            "test": LabelTally.of(None, texts=4),
        },
        schema.label_names,
    )
    rule = DecisionRule({"bug": 0.35, "billing": 0.6}, 1, "per_label", "micro_f1")
    scores = {"jaccard": 0.5, "micro_f1": 0.625, "macro_f1": 0.75}
    members = {"plain": "minilm", "pos-weight": "distilbert"}
    card = model_card(schema, summary, {"validation": scores}, rule, members, 0.3, 96)
    assert card.startswith("---\nlibrary_name: transformers\npipeline_tag: text-classification\n")
    assert "| train | 2 | yes | 1.50 |" in card and "| test | 4 | no |  |" in card
    assert "| bug | 0.350 | 2 |" in card and "| billing | 0.600 | 1 |" in card
    assert "`per_label`, tuned for `micro_f1` on validation only; min_labels=1" in card
    assert "| validation | 0.5000 | 0.6250 | 0.7500 |" in card
    assert "truncated at 96 tokens" in card and "max_length=96" in card
    assert 'Predictor("path/to/this/folder")' in card
    assert "2 fine-tuned member(s)" in card
    assert "`plain` (from `minilm`), `pos-weight` (from `distilbert`)" in card
    assert "baseline's probabilities are mixed in at weight 0.3" in card
    assert 'model="path/to/this/folder/members/plain"' in card


def test_card_without_the_baseline_does_not_mention_it():
    schema = LabelSchema(("bug", "billing"), labelled_splits=("train",))
    summary = data_summary({"train": LabelTally.of(np.array([[1, 0]]))}, schema.label_names)
    rule = DecisionRule.fixed(schema.label_names)
    card = model_card(schema, summary, {}, rule, {"plain": "minilm"}, 0.0, 96)
    assert "1 fine-tuned member(s)" in card and "baseline" not in card


def test_card_sends_label_aware_members_through_mltc_and_offers_transformers_for_the_others():
    schema = LabelSchema(("bug", "billing"), labelled_splits=("train",))
    summary = data_summary({"train": LabelTally.of(np.array([[1, 0]]))}, schema.label_names)
    rule = DecisionRule.fixed(schema.label_names)
    members = {"aware": "minilm", "plain": "minilm"}
    card = model_card(schema, summary, {}, rule, members, 0.0, 96, {"aware": LABEL_AWARE})
    assert "truncated at 96 tokens, the label names included" in card
    assert "Label-aware member(s) `aware` read the label names" in card
    assert 'model="path/to/this/folder/members/plain"' in card  # the first plain member
    only_aware = model_card(schema, summary, {}, rule, {"aware": "minilm"}, 0.0, 96,
                            {"aware": LABEL_AWARE})  # fmt: skip
    assert "from transformers import pipeline" not in only_aware
    # a label-attention head is not transformers' either: the card sends it through mltc too
    attention = model_card(schema, summary, {}, rule, {"attend": "minilm"}, 0.0, 96,
                           {"attend": ATTENTION})  # fmt: skip
    assert "from transformers import pipeline" not in attention
    assert "Member(s) `attend` score each label by the attention of its name's query" in attention


def test_card_shows_the_audits_reliability_per_label_where_the_audit_ran():
    schema = LabelSchema(("bug", "billing"), labelled_splits=("train",))
    summary = data_summary({"train": LabelTally.of(np.array([[1, 0]]))}, schema.label_names)
    rule = DecisionRule.fixed(schema.label_names)
    audit = {"model": "baseline", "folds": 5, "per_label": {
        "bug": {"train_oof_f1": 0.8125, "flagged_missing": 3, "flagged_extra": 1},
        "billing": {"train_oof_f1": 0.25, "flagged_missing": 0, "flagged_extra": 2},
    }}  # fmt: skip
    card = model_card(schema, summary, {}, rule, {"plain": "minilm"}, 0.0, 96, audit=audit)
    assert "| label | threshold | training texts | out-of-fold F1 (train) | texts flagged |" in card
    assert (
        "| bug | 0.500 | 1 | 0.812 | 4 |" in card and "| billing | 0.500 | 0 | 0.250 | 2 |" in card
    )
    assert "label audit (5-fold, the baseline model)" in card
    without = model_card(schema, summary, {}, rule, {"plain": "minilm"}, 0.0, 96)
    assert "out-of-fold" not in without and "| bug | 0.500 | 1 |" in without
    stale = {**audit, "per_label": {"bug": audit["per_label"]["bug"]}}  # other data's labels
    assert (
        model_card(schema, summary, {}, rule, {"plain": "minilm"}, 0.0, 96, audit=stale) == without
    )
    assert model_card(schema, summary, {}, rule, {"plain": "minilm"}, 0.0, 96,
                      audit={"model": "none"}) == without  # fmt: skip


def test_card_names_the_rare_labels():
    schema = LabelSchema(("bug", "billing"), labelled_splits=("train", "validation"))
    tallies = {"train": LabelTally.of(np.array([[1, 0]] * 3)),
               "validation": LabelTally.of(np.array([[1, 1]]))}  # fmt: skip
    summary = data_summary(tallies, schema.label_names, rare_below=2)
    rule = DecisionRule.fixed(schema.label_names)
    card = model_card(schema, summary, {}, rule, {"plain": "minilm"}, 0.0, 96)
    assert "Rare labels (fewer than 2 texts in train or validation): billing, bug." in card
    assert "`thresholds.json` lists any label whose validation texts were too few" in card
    common = model_card(schema, data_summary(tallies, schema.label_names, 0), {}, rule,
                        {"plain": "minilm"}, 0.0, 96)  # fmt: skip
    assert "Rare labels" not in common


def test_card_says_how_windows_read_a_long_text():
    schema = LabelSchema(("bug", "billing"), labelled_splits=("train",))
    summary = data_summary({"train": LabelTally.of(np.array([[1, 0]]))}, schema.label_names)
    rule = DecisionRule.fixed(schema.label_names)
    card = model_card(schema, summary, {}, rule, {"plain": "minilm"}, 0.0, 96,
                      windows=Windows(overlap=24, pooling="max", max_windows=6))  # fmt: skip
    assert (
        "Texts are read in windows of 96 tokens, 24 tokens repeated between neighbours, at most 6 "
        "windows a text; each window is scored and a text's probability per label is its "
        "windows' max." in card
    )
    assert "truncated" not in card
    assert "tuned for the whole ensemble; it reads a long text's first window only):" in card


def test_card_says_a_tweet_is_normalised_before_it_is_read():
    schema = LabelSchema(("bug", "billing"), labelled_splits=("train",))
    summary = data_summary({"train": LabelTally.of(np.array([[1, 0]]))}, schema.label_names)
    rule = DecisionRule.fixed(schema.label_names)
    card = model_card(
        schema, summary, {}, rule, {"plain": "minilm"}, 0.0, 96, normalise={"plain": "tweets"}
    )
    assert (
        "Each text is first normalised as a tweet (user mentions as `@user`, links as `http`, "
        "emoji as their names, CamelCase hashtags split). Texts are truncated at 96 tokens."
    ) in card
    plain = model_card(schema, summary, {}, rule, {"plain": "minilm"}, 0.0, 96)
    assert "normalised" not in plain and "Texts are truncated at 96 tokens." in plain


def test_card_names_the_members_that_normalise_a_tweet_when_the_others_do_not():
    schema = LabelSchema(("bug", "billing"), labelled_splits=("train",))
    summary = data_summary({"train": LabelTally.of(np.array([[1, 0]]))}, schema.label_names)
    rule = DecisionRule.fixed(schema.label_names)
    members = {"plain": "minilm", "tweets": "minilm", "more": "minilm"}
    one = model_card(schema, summary, {}, rule, members, 0.0, 96,
                     normalise={"plain": None, "tweets": "tweets"})  # fmt: skip
    assert (
        "Member `tweets` normalises each text as a tweet first (user mentions as `@user`, links "
        "as `http`, emoji as their names, CamelCase hashtags split); the others read it as it "
        "stands. Texts are truncated at 96 tokens."
    ) in one
    two = model_card(schema, summary, {}, rule, members, 0.0, 96,
                     normalise={"tweets": "tweets", "more": "tweets"})  # fmt: skip
    assert "Members `tweets`, `more` normalise each text as a tweet first (user" in two
