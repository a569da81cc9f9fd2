"""The train stage's params check, which dvc.yaml runs before torchrun starts (`stages/train.py
MEMBER --check-params`): it imports no training library, so a bad param stops the stage in about
the time the interpreter takes to start."""

from mltc.modeling.config import DistributedConfig, TrainConfig
from mltc.modeling.members import member_training
from mltc.modeling.registry import ModelSpec


def check_params(
    params: dict, member: str
) -> tuple[dict, ModelSpec, TrainConfig, DistributedConfig, int]:
    """The member's params, checked: the model, the train and distributed settings, and the
    batch of each process. dvc.yaml runs this before torchrun starts: bad params stop with one
    line (torchrun itself fails on some of them with a bare traceback)."""
    params, spec, config = member_training(params, member)
    distributed = DistributedConfig.from_params(params)
    return params, spec, config, distributed, distributed.per_process_batch(config.batch_size)
