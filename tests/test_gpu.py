"""The CUDA path, run by `make gpu-check` (`pytest -m gpu`) on a machine with a GPU: the tiny
pipeline trains there in bf16 with fused AdamW and torch's own dropout, and the train stage runs
data-parallel over the GPUs (NCCL) as it does on CPU processes. Without a GPU every test is
skipped, and the skip reason says so."""

import pytest
import torch
from torch import nn

from mltc.core import paths
from mltc.core.files import read_json
from mltc.modeling import registry
from mltc.modeling.config import TrainConfig
from mltc.modeling.cpu_dropout import CpuDropout
from mltc.modeling.training import build_classifier, training_arguments
from pipeline_projects import TOLERANCE, dvc, pipeline_project, tiny_project

GPUS = torch.cuda.device_count()
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.slow,
    pytest.mark.skipif(
        not torch.cuda.is_available(),
        reason=f"no GPU: torch {torch.__version__} sees no CUDA device, nothing was checked",
    ),
]


def test_the_model_keeps_torch_dropout_and_trains_bf16_with_fused_adamw(schema):
    from conftest import PARAMS

    spec = registry.resolve("tiny")
    config = TrainConfig.from_params(PARAMS, spec)
    model = build_classifier(spec, schema, config)
    dropouts = [type(m) for m in model.modules() if isinstance(m, nn.Dropout | CpuDropout)]
    assert dropouts and set(dropouts) == {nn.Dropout}  # the CPU masks are for CPUs only
    args = training_arguments(config, "unused")
    assert (args.bf16, args.optim, args.use_cpu) == (True, "adamw_torch_fused", False)


def test_the_tiny_pipeline_runs_on_cuda(tmp_path):
    root = tiny_project(tmp_path / "cuda")
    dvc("repro", cwd=root)
    summary = read_json(root / paths.member_train_summary("plain"))
    assert (summary["device"], summary["precision"]) == ("cuda", "bf16")
    assert (root / "models" / "classifier" / "members" / "plain" / "model.safetensors").is_file()


def test_the_train_stage_runs_on_every_gpu_as_on_one(tmp_path):
    processes = max(n for n in (1, 2, 4, 8, 16) if n <= GPUS)  # a divisor of the batch of 16
    many = pipeline_project(tmp_path / "many", processes)
    one = pipeline_project(tmp_path / "one")
    summaries = [read_json(root / paths.member_train_summary("plain")) for root in (many, one)]
    assert summaries[0]["processes"] == processes
    assert summaries[0]["device"] == "cuda"
    assert summaries[0]["best_epoch"] == summaries[1]["best_epoch"]
    # GPU kernels may sum in another order from run to run: a looser bound than on the CPU
    assert summaries[0]["best_micro_f1"] == pytest.approx(
        summaries[1]["best_micro_f1"], abs=100 * TOLERANCE
    )
