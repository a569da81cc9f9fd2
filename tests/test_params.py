import copy

import pytest

from conftest import PARAMS, data_config
from mltc.core.errors import PipelineError
from mltc.ingest.config import DataConfig
from mltc.modeling.config import DistributedConfig, EvaluateConfig, PreprocessConfig, TrainConfig
from mltc.modeling.registry import REGISTRY


def with_value(section: str, key: str, value) -> dict:
    params = copy.deepcopy(PARAMS)
    params[section][key] = value
    return params


def test_project_params_are_valid_and_null_takes_the_model_defaults():
    minilm = REGISTRY["minilm"]
    config = TrainConfig.from_params(with_value("train", "epochs", None), minilm)
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
        ("layer_decay", 0, r"train.layer_decay=0: expected a number in \(0, 1\]"),
        ("layer_decay", 1.2, r"train.layer_decay=1.2: expected a number in \(0, 1\]"),
    ],
)
def test_bad_train_params_name_the_param(key, value, message):
    with pytest.raises(PipelineError, match=message):
        TrainConfig.from_params(with_value("train", key, value), REGISTRY["minilm"])


def test_the_default_run_is_one_process_taking_the_whole_batch():
    config = DistributedConfig.from_params(PARAMS)
    assert config.world_size == 1
    assert config.per_process_batch(32) == 32
    config.check_launched(1)


def test_the_global_batch_is_shared_by_every_process_of_every_node():
    params = copy.deepcopy(PARAMS)
    params["distributed"].update(
        nproc_per_node=4, nnodes=2, rdzv_backend="static", rdzv_endpoint="node0:29400"
    )
    config = DistributedConfig.from_params(params)
    assert config.world_size == 8
    assert config.per_process_batch(64) == 8
    with pytest.raises(
        PipelineError,
        match=r"train.batch_size=36 is the global batch and must split evenly over 8 processes "
        r"\(distributed.nproc_per_node=4 x nnodes=2\): use a multiple of 8",
    ):
        config.per_process_batch(36)


def test_several_machines_need_a_static_rendezvous_on_a_fixed_port():
    params = copy.deepcopy(PARAMS)
    params["distributed"].update(nnodes=2, rdzv_endpoint="node0:29400")
    with pytest.raises(
        PipelineError, match=r"distributed.nnodes=2 needs distributed.rdzv_backend=static"
    ):
        DistributedConfig.from_params(params)
    params["distributed"].update(rdzv_backend="static", rdzv_endpoint="node0:0")
    with pytest.raises(
        PipelineError, match=r"rdzv_endpoint='node0:0': the static rendezvous needs a fixed port"
    ):
        DistributedConfig.from_params(params)
    params["distributed"]["rdzv_endpoint"] = "node0:29400"
    assert DistributedConfig.from_params(params).world_size == 2


def test_a_launch_unlike_the_params_is_refused():
    with pytest.raises(
        PipelineError,
        match=r"the train stage runs in 2 process\(es\) but distributed.nproc_per_node=1 x "
        r"nnodes=1 ask for 1: launch it with dvc repro",
    ):
        DistributedConfig.from_params(PARAMS).check_launched(2)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("nproc_per_node", 0, r"distributed.nproc_per_node=0: expected a positive integer"),
        ("nnodes", "2", r"distributed.nnodes='2': expected a positive integer"),
        ("rdzv_endpoint", "node0", r"distributed.rdzv_endpoint='node0': expected host:port"),
        (
            "rdzv_backend",
            "etcd",
            r"distributed.rdzv_backend='etcd': allowed values are c10d, static",
        ),
        (
            "save_on_each_node",
            "yes",
            r"distributed.save_on_each_node='yes': expected true or false",
        ),
    ],
)
def test_bad_distributed_params_name_the_param(key, value, message):
    with pytest.raises(PipelineError, match=message):
        DistributedConfig.from_params(with_value("distributed", key, value))


def test_max_length_beyond_the_model_limit_names_the_allowed_range():
    config = PreprocessConfig.from_params(with_value("preprocess", "max_length", 1024))
    with pytest.raises(
        PipelineError, match=r"preprocess.max_length=1024 .* allowed values are 1..512"
    ):
        config.check_model_limit(512, "minilm")


def test_missing_data_path_names_the_param(tmp_path):
    with pytest.raises(PipelineError, match=r"data.path=.*nowhere' does not exist"):
        data_config(path=str(tmp_path / "nowhere"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"source": "s3"}, r"data.source='s3': allowed values are semeval, files, hub"),
        ({"semeval": {"language": "French"}}, r"data.semeval.language='French'"),
        ({"files": {"format": "xlsx"}}, r"data.files.format='xlsx': allowed values are auto, csv"),
        ({"files": {"header": "yes"}}, r"data.files.header='yes': expected true or false"),
        ({"labels": {"format": "matrix"}}, r"data.labels.format='matrix'"),
        ({"labels": {"delimiter": ""}}, r"data.labels.delimiter='': expected a non-empty string"),
        ({"labels": {"names": "joy"}}, r"data.labels.names='joy': expected a list of names"),
        ({"columns": {"text": None}}, r"data.columns.text is null"),
        ({"split": {"validation": 0.6, "test": 0.4}}, r"data.split.validation \+ data.split.test"),
        (
            {"split": {"validation": 1.5}},
            r"data.split.validation=1.5: expected a number in \[0, 1\)",
        ),
        ({"empty_text": "skip"}, r"data.empty_text='skip': allowed values are error, drop"),
        ({"source": "hub"}, r"data.source=hub needs data.hub.dataset"),
    ],
)
def test_bad_data_params_name_the_param(changes, message):
    with pytest.raises(PipelineError, match=message):
        data_config(**changes)


def test_data_params_of_the_project_read_the_shipped_release():
    config = DataConfig.from_params(PARAMS)  # paths are relative to the project root
    assert config.source == "semeval" and config.path.as_posix() == "data/semeval2018-task1"
    assert data_config(columns={"id": 0, "text": 1}).id_column == "0"  # positions as names


def test_a_missing_section_is_named():
    with pytest.raises(PipelineError, match="no section 'train'"):
        TrainConfig.from_params({"model": "minilm"}, REGISTRY["minilm"])
