"""Ensembles: member params, how probabilities combine, the baseline's weight chosen on
validation, and the shipped folder that `Predictor` loads as one model."""

import copy
import re
import shutil

import numpy as np
import pytest

from conftest import PARAMS
from mltc.core.errors import PipelineError
from mltc.core.stage_args import stage_member
from mltc.decision import rule as decision_rule
from mltc.decision.config import TuningConfig
from mltc.ensemble.classifier_folder import BASELINE_DIR, Manifest
from mltc.ensemble.combine import choose_baseline_weight, combine
from mltc.ensemble.config import EnsembleConfig
from mltc.modeling.baseline.tfidf import fit_baseline, save_baseline
from mltc.modeling.config import PreprocessConfig
from mltc.modeling.members import member_params
from mltc.serving.predictor import Predictor


def with_members(members: object, **ensemble) -> dict:
    params = copy.deepcopy(PARAMS)
    params["ensemble"] = {**params["ensemble"], "members": members, **ensemble}
    return params


def test_a_member_changes_the_model_and_train_keys_it_names_and_keeps_the_rest():
    params = with_members({"plain": {}, "big": {"model": "mpnet", "seed": 7, "epochs": 5}})
    plain, big = member_params(params, "plain"), member_params(params, "big")
    assert (plain["model"], plain["train"]) == (params["model"], params["train"])
    assert big["model"] == "mpnet"
    assert big["train"] == {**params["train"], "seed": 7, "epochs": 5}
    assert params["train"]["seed"] == PARAMS["train"]["seed"]  # the shared section is untouched


def test_a_member_reads_texts_its_own_way_and_the_others_as_preprocess_says():
    params = with_members({"plain": {}, "tweets": {"preprocess": {"normalise": "tweets"}}})
    plain, tweets = member_params(params, "plain"), member_params(params, "tweets")
    assert plain["preprocess"] == params["preprocess"]
    assert tweets["preprocess"] == {**params["preprocess"], "normalise": "tweets"}
    assert tweets["train"] == params["train"]  # preprocess is not a train key
    assert PreprocessConfig.from_params(tweets).normalise == "tweets"
    assert PreprocessConfig.from_params(plain).normalise is None


@pytest.mark.parametrize(
    ("members", "name", "message"),
    [
        ({"plain": {"sed": 1}}, "plain", "ensemble.members.plain.sed: unknown; a member changes "
                                         "model, preprocess (normalise) or a train key "
                                         "(learning_rate, batch_size"),
        ({"plain": {"preprocess": {"max_length": 64}}}, "plain",
         "ensemble.members.plain.preprocess={'max_length': 64}: a member changes only normalise of "
         "the preprocess section, for example {normalise: tweets}; max_length and the windows are "
         "shared by every member"),
        ({"plain": {"preprocess": "tweets"}}, "plain",
         "ensemble.members.plain.preprocess='tweets': a member changes only normalise"),
        ({"a/b": {}}, "a/b", "ensemble.members.a/b: a member name is letters, digits"),
        ({"plain": 3}, "plain", "ensemble.members.plain=3: expected the params the member changes"),
        ({"plain": {}}, "other", "ensemble.members has no member 'other': members are plain"),
    ],
)  # fmt: skip
def test_bad_members_are_refused_with_the_param_named(members, name, message):
    with pytest.raises(PipelineError, match=re.escape(message)):
        member_params(with_members(members), name)


@pytest.mark.parametrize(
    ("members", "weights", "message"),
    [
        ({}, [0.0], "ensemble.members={}: expected one member or more"),
        ({"plain": {}}, [], r"ensemble.baseline_weights=\[\]: expected a list of numbers"),
        ({"plain": {}}, [0.0, 1.0], r"ensemble.baseline_weights=1.0: expected numbers in \[0, 1\)"),
    ],
)  # fmt: skip
def test_bad_ensemble_params_are_refused(members, weights, message):
    with pytest.raises(PipelineError, match=message):
        EnsembleConfig.from_params(with_members(members, baseline_weights=weights))


def test_the_default_ensemble_reads_as_params_yaml_says():
    config = EnsembleConfig.from_params(PARAMS)
    assert config.members == PARAMS["ensemble"]["members"]
    assert config.baseline_weights == tuple(PARAMS["ensemble"]["baseline_weights"])


def test_a_stage_is_told_its_member_on_the_command_line():
    assert stage_member(["plain", "--check-params"]) == "plain"
    with pytest.raises(PipelineError, match="name the ensemble member"):
        stage_member([])


def test_members_are_averaged_then_mixed_with_the_baseline():
    first, second = np.array([[0.2, 0.8]]), np.array([[0.4, 0.4]])
    baseline = np.array([[1.0, 0.0]])
    np.testing.assert_allclose(combine([first, second], None, 0.0), [[0.3, 0.6]])
    np.testing.assert_allclose(combine([first, second], baseline, 0.25), [[0.475, 0.45]])
    with pytest.raises(ValueError, match="needs the baseline's probabilities"):
        combine([first], None, 0.5)


def test_the_baseline_weight_is_the_one_whose_rule_cross_validates_best():
    rng = np.random.default_rng(0)
    gold = (rng.random((200, 3)) < 0.4).astype(np.int8)
    noise = rng.random((200, 3))  # the members know nothing; the baseline knows every label
    baseline = 0.1 + 0.8 * gold
    config = TuningConfig.from_params(PARAMS)
    choice = choose_baseline_weight([noise], baseline, gold, (0.0, 0.3, 0.9), config)
    assert choice.baseline_weight == 0.9
    assert choice.cross_validated_by_weight[0.9] == 1.0
    assert choice.cross_validated_by_weight[0.0] < 1.0
    # members that know every label: no weight beats 0, and the first of equals is kept
    choice = choose_baseline_weight([baseline], noise, gold, (0.0, 0.1), config)
    assert choice.baseline_weight == 0.0


def test_a_manifest_round_trips_and_a_model_folder_reads_as_one_member(tmp_path, tiny_model_dir):
    manifest = Manifest.for_members(["plain", "pos-weight"], 0.4)
    manifest.save(tmp_path)
    assert Manifest.load(tmp_path) == manifest
    assert manifest.members == {"plain": "members/plain", "pos-weight": "members/pos-weight"}
    assert Manifest.load(tiny_model_dir) == Manifest({"model": "."}, 0.0)
    with pytest.raises(PipelineError, match="neither a classifier folder"):
        Manifest.load(tmp_path / "empty")


@pytest.fixture(scope="module")
def ensemble_dir(tiny_model_dir, semeval_slice, label_names, tmp_path_factory):
    """Two copies of the tiny model and a fitted baseline, shipped as tune_thresholds ships."""
    splits = semeval_slice.splits
    baseline = fit_baseline(
        list(splits["train"].texts), splits["train"].gold,
        list(splits["validation"].texts), splits["validation"].gold, {}, c_grid=(1.0,), seed=0,
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("shipped") / "classifier"
    manifest = Manifest.for_members(["a", "b"], 0.25)
    for relative in manifest.members.values():
        shutil.copytree(tiny_model_dir, folder / relative)
    (folder / BASELINE_DIR).mkdir()
    save_baseline(folder / BASELINE_DIR, baseline.model, label_names)
    manifest.save(folder)
    decision_rule.save(folder, decision_rule.DecisionRule.fixed(label_names, 0.3))
    return folder, baseline.model


def test_the_predictor_combines_its_members_and_the_baseline(ensemble_dir, tiny_model_dir):
    folder, baseline = ensemble_dir
    texts = ["What a day!", "I am so scared of this.", "ok"]
    member = Predictor(tiny_model_dir, precision="fp32").predict_proba(texts)
    ensemble = Predictor(folder, precision="fp32")
    assert len(ensemble.members) == 2 and ensemble.baseline_weight == 0.25
    probs = ensemble.predict_proba(texts)
    np.testing.assert_allclose(
        probs, 0.75 * member + 0.25 * baseline.predict_proba(texts), atol=1e-7
    )
    assert ensemble.predict(texts) == ensemble.labels_from_proba(probs)
    assert ensemble.thresholds.tolist() == [0.3] * len(ensemble.label_names)


def test_a_baseline_with_other_labels_is_refused(ensemble_dir, tmp_path, label_names):
    folder = tmp_path / "classifier"
    shutil.copytree(ensemble_dir[0], folder)
    save_baseline(folder / BASELINE_DIR, ensemble_dir[1], list(reversed(label_names)))
    with pytest.raises(PipelineError, match=r"the baseline of .* has other labels than the data"):
        Predictor(folder)
