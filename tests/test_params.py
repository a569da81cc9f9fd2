import copy

import pytest
import yaml

from conftest import REPO_ROOT, SEMEVAL_DIR
from mltc.errors import PipelineError
from mltc.modeling.registry import REGISTRY
from mltc.params import DownloadConfig, EvaluateConfig, PreprocessConfig, TrainConfig

PARAMS = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())


def with_value(section: str, key: str, value) -> dict:
    params = copy.deepcopy(PARAMS)
    params[section][key] = value
    return params


def test_project_params_are_valid_and_null_takes_the_model_defaults():
    minilm = REGISTRY["minilm"]
    config = TrainConfig.from_params(PARAMS, minilm)
    assert (config.learning_rate, config.batch_size, config.epochs) == (
        minilm.learning_rate, minilm.batch_size, minilm.epochs,
    )  # fmt: skip
    assert TrainConfig.from_params(PARAMS, REGISTRY["bert"]).learning_rate == 2e-5
    assert config.dropout is None  # the checkpoint's own
    assert config.optimizer == "adamw_torch_fused"
    assert PreprocessConfig.from_params(PARAMS).max_length == 128
    assert EvaluateConfig.from_params(PARAMS).batch_size > 0


def test_explicit_values_override_the_model_defaults():
    config = TrainConfig.from_params(with_value("train", "learning_rate", 3e-5), REGISTRY["minilm"])
    assert config.learning_rate == 3e-5


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("learning_rate", -1e-5, r"train.learning_rate=-1e-05: expected a number > 0"),
        ("learning_rate", 0, r"train.learning_rate=0: expected a number > 0"),
        ("epochs", 0, r"train.epochs=0: expected a positive integer"),
        ("epochs", 2.5, r"train.epochs=2.5: expected a positive integer"),
        ("batch_size", -4, r"train.batch_size=-4"),
        ("metric_for_best_model", "f1", r"allowed values are micro_f1, macro_f1, jaccard, loss"),
        ("precision", "int4", r"train.precision='int4': allowed values are auto"),
        ("early_stopping_patience", 0, r"train.early_stopping_patience=0: .*or null"),
        ("warmup_ratio", 1.5, r"train.warmup_ratio=1.5: expected a number in \[0, 1\)"),
        ("seed", -1, r"train.seed=-1"),
        ("optimizer", "sgd", r"train.optimizer='sgd': allowed values are adamw_torch_fused"),
        ("dropout", 1.0, r"train.dropout=1.0: expected a number in \[0, 1\) or null"),
    ],
)
def test_bad_train_params_name_the_param(key, value, message):
    with pytest.raises(PipelineError, match=message):
        TrainConfig.from_params(with_value("train", key, value), REGISTRY["minilm"])


def test_max_length_beyond_the_model_limit_names_the_allowed_range():
    config = PreprocessConfig.from_params(with_value("preprocess", "max_length", 1024))
    with pytest.raises(
        PipelineError, match=r"preprocess.max_length=1024 .* allowed values are 1..512"
    ):
        config.check_model_limit(512, "minilm")


def test_missing_data_directory_names_the_param(tmp_path):
    params = with_value("download", "local_dir", str(tmp_path / "nowhere"))
    with pytest.raises(PipelineError, match=r"download.local_dir=.*nowhere' does not exist"):
        DownloadConfig.from_params(params)


def test_download_choices_are_checked():
    with pytest.raises(PipelineError, match=r"download.source=.s3.: allowed values are local, hub"):
        DownloadConfig.from_params(with_value("download", "source", "s3"))
    with pytest.raises(PipelineError, match=r"download.language=.French."):
        DownloadConfig.from_params(with_value("download", "language", "French"))
    params = with_value("download", "local_dir", str(SEMEVAL_DIR))
    assert DownloadConfig.from_params(params).local_dir == SEMEVAL_DIR


def test_a_missing_section_is_named():
    with pytest.raises(PipelineError, match="no section 'train'"):
        TrainConfig.from_params({"model": "minilm"}, REGISTRY["minilm"])
