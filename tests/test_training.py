import contextlib
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from transformers import AutoConfig, AutoModelForSequenceClassification, EvalPrediction, pipeline

from mltc.core.errors import PipelineError
from mltc.core.tokenized import label_matrix
from mltc.modeling import cpu_dropout, hardware, registry, training
from mltc.modeling.build import build_model, output_layer
from mltc.modeling.config import TrainConfig
from mltc.modeling.curves import training_curves

TRAIN_PARAMS = {
    "train": {
        "learning_rate": None, "batch_size": 16, "epochs": 2, "eval_batch_size": 32,
        "weight_decay": 0.0, "warmup_ratio": 0.0, "metric_for_best_model": "micro_f1",
        "early_stopping_patience": None, "sampling_strategy": "group_by_length",
        "optimizer": "adamw_torch_fused", "dropout": 0.0,
        "precision": "fp32", "logging_steps": 1, "seed": 7,
    }
}  # fmt: skip


@pytest.fixture(scope="module")
def trained(processed_slice, tokenizer, schema, tmp_path_factory):
    """A tiny model fine-tuned for 2 epochs on 48 tweets, and where it wrote its files."""
    root = tmp_path_factory.mktemp("train")
    spec = registry.resolve("tiny")
    config = TrainConfig.from_params(TRAIN_PARAMS, spec)
    trainer = training.build_trainer(
        spec, schema, processed_slice, tokenizer, config, root / "checkpoints"
    )
    trainer.train()
    trainer.save_model(str(root / "model"))
    return trainer, root


def test_the_kept_epoch_is_chosen_on_validation_never_on_test(trained, processed_slice):
    """The Trainer evaluates (and so picks the best epoch) on the validation split alone: test
    labels cannot move the kept epoch (tune_thresholds' side: test_pipeline.py)."""
    trainer, _ = trained
    assert trainer.eval_dataset is processed_slice["validation"]
    assert trainer.train_dataset is processed_slice["train"]
    assert trainer.args.load_best_model_at_end


def test_compute_metrics_thresholds_logits_at_zero():
    logits = np.array([[2.0, -1.0], [-3.0, 0.5]])
    gold = np.array([[1.0, 0.0], [0.0, 0.0]])
    scores = training.compute_metrics(EvalPrediction(predictions=logits, label_ids=gold))
    # predictions {0} and {1}: text 0 exact, text 1 has no gold -> Jaccard (1 + 0) / 2
    assert scores["jaccard"] == pytest.approx(0.5)
    assert scores["micro_f1"] == pytest.approx(2 / 3)


def test_auto_precision_is_bf16_only_where_the_hardware_has_it(monkeypatch):
    cpu, gpu = torch.device("cpu"), torch.device("cuda")
    monkeypatch.setattr(hardware, "bf16_native", lambda device: False)
    assert hardware.resolve_precision("auto", cpu) == "fp32"
    assert hardware.resolve_precision("auto", gpu) == "fp16"
    assert isinstance(hardware.autocast("auto", cpu), contextlib.nullcontext)
    monkeypatch.setattr(hardware, "bf16_native", lambda device: True)
    assert hardware.resolve_precision("auto", cpu) == "bf16"
    assert hardware.autocast("auto", cpu).fast_dtype == torch.bfloat16
    assert hardware.resolve_precision("fp32", cpu) == "fp32"
    assert training.mixed_precision("bf16") == {"bf16": True, "fp16": False}
    assert training.mixed_precision("fp32") == {"bf16": False, "fp16": False}


def test_fused_optimizer_param_runs_the_fused_adamw_kernel(trained):
    trainer, _ = trained
    optimizer = getattr(trainer.optimizer, "optimizer", trainer.optimizer)  # accelerate wraps it
    assert isinstance(optimizer, torch.optim.AdamW)
    assert optimizer.defaults["fused"] is True


def test_dropout_param_reaches_every_dropout_layer_and_the_saved_config(trained, schema):
    trainer, root = trained
    rates = {m.p for m in trainer.model.modules() if isinstance(m, torch.nn.Dropout)}
    assert rates == {0.0}
    saved = yaml.safe_load((root / "model" / "config.json").read_text())
    assert saved["hidden_dropout_prob"] == saved["attention_probs_dropout_prob"] == 0.0
    untouched = build_model(registry.resolve("tiny"), schema)  # dropout None
    assert untouched.config.hidden_dropout_prob == 0.1  # the config's own


def test_cpu_training_draws_dropout_masks_with_cpu_dropout(monkeypatch, schema):
    spec = registry.resolve("tiny")
    with_dropout = TrainConfig.from_params(
        {"train": {**TRAIN_PARAMS["train"], "dropout": 0.1}}, spec
    )
    for device, attention, layer in (
        ("cpu", cpu_dropout.ATTENTION, cpu_dropout.CpuDropout),
        ("cuda", "sdpa", torch.nn.Dropout),  # GPUs keep torch's dropout
    ):
        monkeypatch.setattr(training, "best_device", lambda device=device: torch.device(device))
        model = training.build_classifier(spec, schema, with_dropout)
        assert model.config._attn_implementation == attention
        layers = [m for m in model.modules() if isinstance(m, torch.nn.Dropout)]
        assert layers and all(type(m) is layer and m.p == 0.1 for m in layers)


def test_prior_logits_are_each_labels_smoothed_training_log_odds():
    gold = np.zeros((9, 3), dtype=np.int8)
    gold[:4, 0] = 1  # 4 of 9 texts: (4 + 0.5) / 10 = 0.45
    gold[:, 1] = 1  # all 9: 9.5 / 10; label 2 on none: 0.5 / 10
    expected = np.log([0.45 / 0.55, 0.95 / 0.05, 0.05 / 0.95])
    np.testing.assert_allclose(training.prior_logits(gold).numpy(), expected, rtol=1e-6)


def test_the_trainer_starts_a_plain_head_at_the_training_priors_unless_head_bias_is_zero(
    processed_slice, tokenizer, schema, tmp_path
):
    """train.head_bias: prior (also what a params file without the key gets) sets a plain head's
    output bias to the labels' log-odds in the training split; zero keeps the checkpoint's zero
    bias."""
    spec = registry.resolve("tiny")
    expected = training.prior_logits(label_matrix(processed_slice["train"])).numpy()
    biases = {}
    for setting in ("prior", "zero", None):
        values = {**TRAIN_PARAMS["train"], "head_bias": setting}
        if setting is None:
            del values["head_bias"]
        config = TrainConfig.from_params({"train": values}, spec)
        trainer = training.build_trainer(
            spec, schema, processed_slice, tokenizer, config, tmp_path / "checkpoints"
        )
        biases[setting] = trainer.model.classifier.bias.detach().numpy()
    np.testing.assert_allclose(biases["prior"], expected, rtol=1e-6)
    assert np.array_equal(biases[None], biases["prior"])
    assert not biases["zero"].any()
    # with the positives weighted (pos_weight_power), where that weighted BCE is lowest for a
    # head that ignores the text: logit(rate) + log(weight)
    weighted = TrainConfig.from_params(
        {"train": {**TRAIN_PARAMS["train"], "pos_weight_power": 0.5}}, spec
    )
    trainer = training.build_trainer(
        spec, schema, processed_slice, tokenizer, weighted, tmp_path / "checkpoints"
    )
    weights = training.positive_weights(processed_slice["train"]["labels"], 0.5).numpy()
    np.testing.assert_allclose(
        trainer.model.classifier.bias.detach().numpy(), expected + np.log(weights), rtol=1e-5
    )
    with pytest.raises(PipelineError) as error:
        TrainConfig.from_params({"train": {**TRAIN_PARAMS["train"], "head_bias": "mean"}}, spec)
    assert str(error.value) == "train.head_bias='mean': allowed values are zero, prior"


def test_prior_head_bias_finds_the_output_layer_of_a_roberta_style_head(schema):
    """RoBERTa and MPNet end their head in classifier.out_proj after a dense layer of the hidden
    size: the bias set is the one with an output per label."""
    config = AutoConfig.for_model(
        "roberta", vocab_size=50, hidden_size=len(schema.label_names), num_hidden_layers=1,
        num_attention_heads=1, intermediate_size=8, num_labels=len(schema.label_names),
    )  # fmt: skip
    model = AutoModelForSequenceClassification.from_config(config)
    assert output_layer(model, len(schema.label_names)) is model.classifier.out_proj


def test_optimizer_param_picks_the_trainer_optim():
    params = {"train": {**TRAIN_PARAMS["train"], "optimizer": "adamw_torch"}}
    config = TrainConfig.from_params(params, registry.resolve("tiny"))
    assert training.training_arguments(config, Path("unused")).optim == "adamw_torch"


def test_training_evaluates_every_epoch_and_keeps_the_best(trained):
    trainer, _ = trained
    evals = [entry for entry in trainer.state.log_history if "eval_micro_f1" in entry]
    assert [entry["epoch"] for entry in evals] == [1.0, 2.0]
    best = max(evals, key=lambda entry: entry["eval_micro_f1"])
    assert trainer.state.best_metric == pytest.approx(best["eval_micro_f1"])
    assert training.best_epoch(trainer) == best["epoch"]


def test_saved_model_works_with_the_transformers_pipeline(trained, label_names):
    _, root = trained
    assert (root / "model" / "model.safetensors").is_file()
    classifier = pipeline("text-classification", model=str(root / "model"), top_k=None)
    scores = classifier(["I am so happy today!"])[0]
    assert sorted(score["label"] for score in scores) == sorted(label_names)
    # multi-label: independent sigmoids, not a softmax over labels
    assert sum(score["score"] for score in scores) > 1.0


def test_training_curves_follow_the_epochs_and_mark_the_kept_one(trained):
    trainer, _ = trained
    kept = training.best_epoch(trainer)
    curves = training_curves(trainer.state.log_history, kept)
    validation = curves["validation"]
    assert sorted(set(validation["epoch"])) == [1.0, 2.0]
    assert sorted(set(validation["series"])) == ["jaccard", "macro_f1", "micro_f1"]
    assert validation.loc[validation["kept"] == 1, "epoch"].unique().tolist() == [kept]
    evals = [entry for entry in trainer.state.log_history if "eval_loss" in entry]
    loss = curves["loss"]
    assert loss.loc[loss["series"] == "validation", "loss"].tolist() == [
        e["eval_loss"] for e in evals
    ]
    steps = [entry for entry in trainer.state.log_history if "loss" in entry]
    assert len(curves["learning_rate"]) == len(steps) == (loss["series"] == "train").sum()


def test_positive_weights_follow_the_label_frequencies():
    gold = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 0], [1, 0, 0]])  # 3, 1 and 0 positives of 4
    assert training.positive_weights(gold, 0.0).tolist() == [1.0, 1.0, 1.0]
    # a label without positives in train counts as one positive: no division by zero
    np.testing.assert_allclose(training.positive_weights(gold, 1.0), [1 / 3, 3.0, 3.0], rtol=1e-6)
    np.testing.assert_allclose(
        training.positive_weights(gold, 0.5), [3**-0.5, 3**0.5, 3**0.5], rtol=1e-6
    )


def test_weighted_bce_is_torch_bce_with_the_positive_weights():
    logits = torch.tensor([[2.0, -1.0], [0.5, 0.0]])
    labels = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    weights = torch.tensor([1.0, 3.0])
    outputs = type("Outputs", (), {"logits": logits})()
    expected = (
        -(
            torch.log(torch.sigmoid(torch.tensor(2.0)))  # positive, weight 1
            + torch.log(1 - torch.sigmoid(torch.tensor(-1.0)))  # negative
            + torch.log(1 - torch.sigmoid(torch.tensor(0.5)))  # negative
            + 3.0 * torch.log(torch.sigmoid(torch.tensor(0.0)))  # positive, weight 3
        )
        / 4
    )
    assert training.weighted_bce(weights)(outputs, labels).item() == pytest.approx(expected.item())


def test_the_asymmetric_loss_keeps_bce_for_positives_and_drops_easy_negatives(monkeypatch):
    logits = torch.tensor([[2.0, -4.0], [-1.0, 1.5]])
    labels = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    outputs = type("Outputs", (), {"logits": logits})()
    terms = {}  # each (text, label) pair's loss alone
    for row, column in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        single = type("Outputs", (), {"logits": logits[row : row + 1, column : column + 1]})()
        gold = labels[row : row + 1, column : column + 1]
        terms[row, column] = training.asymmetric_loss()(single, gold).item()
        bce = torch.nn.functional.binary_cross_entropy_with_logits(single.logits, gold).item()
        if gold.item() == 1:  # a positive: its BCE term, as gamma_positive is 0
            assert terms[row, column] == pytest.approx(bce)
        else:  # a negative: less than its BCE term
            assert terms[row, column] < bce
    assert terms[0, 1] == 0.0  # p = sigmoid(-4) = 0.018 < the 0.05 margin: an easy negative
    whole = training.asymmetric_loss()(outputs, labels).item()
    assert whole == pytest.approx(sum(terms.values()) / 4)
    monkeypatch.setattr(training, "ASL_GAMMA_NEGATIVE", 0.0)
    monkeypatch.setattr(training, "ASL_CLIP", 0.0)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels).item()
    assert training.asymmetric_loss()(outputs, labels).item() == pytest.approx(bce)


def test_the_correlation_loss_is_spanemos_mean_over_given_and_not_given_label_pairs():
    logits = torch.tensor([[2.0, -1.0, 0.0], [0.5, 0.5, 0.5], [1.0, 1.0, -1.0], [0.1, 0.2, 0.3]])
    labels = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    p = torch.sigmoid(logits)
    first = (torch.exp(p[0, 1] - p[0, 0]) + torch.exp(p[0, 2] - p[0, 0])) / 2
    third = (torch.exp(p[2, 2] - p[2, 0]) + torch.exp(p[2, 2] - p[2, 1])) / 2
    expected = (first + third) / 4  # no label given, or every one: no pair, 0
    assert training.label_correlation(logits, labels).item() == pytest.approx(expected.item())
    outputs = type("Outputs", (), {"logits": logits})()
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
    assert training.correlation_loss()(outputs, labels).item() == pytest.approx(
        (0.8 * bce + 0.2 * expected).item()
    )


def test_pos_weight_power_switches_to_the_weighted_loss(
    processed_slice, tokenizer, schema, tmp_path
):
    spec = registry.resolve("tiny")
    plain = TrainConfig.from_params(TRAIN_PARAMS, spec)
    weighted = TrainConfig.from_params(
        {"train": {**TRAIN_PARAMS["train"], "pos_weight_power": 0.5}}, spec
    )
    assert plain.pos_weight_power == 0.0
    build = training.build_trainer
    assert (
        build(spec, schema, processed_slice, tokenizer, plain, tmp_path).compute_loss_func is None
    )
    assert build(spec, schema, processed_slice, tokenizer, weighted, tmp_path).compute_loss_func
    asymmetric = TrainConfig.from_params(
        {"train": {**TRAIN_PARAMS["train"], "loss": "asymmetric"}}, spec
    )
    trainer = build(spec, schema, processed_slice, tokenizer, asymmetric, tmp_path)
    outputs = type("Outputs", (), {"logits": torch.tensor([[-1.0, 2.0]])})()
    labels = torch.tensor([[0.0, 1.0]])
    assert trainer.compute_loss_func(outputs, labels) == training.asymmetric_loss()(outputs, labels)
    correlation = TrainConfig.from_params(
        {"train": {**TRAIN_PARAMS["train"], "loss": "correlation"}}, spec
    )
    trainer = build(spec, schema, processed_slice, tokenizer, correlation, tmp_path)
    assert trainer.compute_loss_func(outputs, labels) == training.correlation_loss()(
        outputs, labels
    )


def test_the_cost_estimate_is_printed_once_after_the_warm_up_steps(capsys, monkeypatch):
    from types import SimpleNamespace

    from mltc.modeling import callbacks

    # training begins at 90 s, the warm-up steps end at 100 s, 3 measured steps take 6 s
    clock = iter([90.0, 100.0, 106.0])
    monkeypatch.setattr(callbacks.time, "perf_counter", lambda: next(clock))
    callback = callbacks.CostEstimateCallback(warmup=2, measured=3, eval_share=0.5)
    args = SimpleNamespace(num_train_epochs=4)
    callback.on_train_begin(args, SimpleNamespace(global_step=10), None)
    for step in range(11, 21):  # a run resumed at step 10 of 100
        state = SimpleNamespace(is_world_process_zero=True, global_step=step, max_steps=100)
        callback.on_step_end(args, state, None)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    # measured from the third step it ran (13) to the sixth (16), 2 s a step: the run's 90 steps
    # at 2 s less the 16 s spent, 164 s, x 1.5 (evaluation) = 246 s; 84 of 100 steps are left
    assert lines[0] == (
        "estimate: 84 of 100 steps left at 2.00 s a step (measured over 3), with evaluation "
        "about 4.1 min for this member (4 epochs); each member of the ensemble trains in turn "
        "(docs/own-data.md: time on a CPU)"
    )


def test_one_length_group_is_one_descending_run_of_the_samplers_order():
    """length_group_steps counts the batches of transformers' own length-grouped order: with
    distinct lengths, that order falls in runs sorted longest first, one run a mega-batch."""
    from transformers.trainer_pt_utils import get_length_grouped_indices

    from mltc.modeling.callbacks import length_group_steps

    for texts, batch in ((6838, 32), (1000, 32), (300, 16)):
        lengths = list(range(texts))  # distinct
        order = get_length_grouped_indices(
            lengths, batch, generator=torch.Generator().manual_seed(0)
        )
        size = length_group_steps(texts, batch) * batch
        runs = [order[i : i + size] for i in range(0, texts, size)]
        for run in runs:
            assert run[1:] == sorted(run[1:], reverse=True)  # the first may be the longest's swap
        # where one mega-batch ends the next starts again from a long text
        assert all(runs[i][-1] < runs[i + 1][1] for i in range(len(runs) - 1))
    assert length_group_steps(6838, 32, processes=2) == length_group_steps(6838, 32) // 2


def test_the_cost_estimate_times_short_and_long_batches_as_an_epoch_has_them(capsys, monkeypatch):
    """The length-grouped sampler runs each mega-batch longest first. Simulated steps whose time is
    their batch's longest text: timed over one mega-batch the estimate is within 3% of what the
    steps left take; timed over 20 steps (before: always) it is more than 15% over."""
    from types import SimpleNamespace

    from transformers.trainer_pt_utils import get_length_grouped_indices

    from mltc.modeling import callbacks

    texts, batch, epochs = 6400, 32, 2
    rng = np.random.default_rng(0)
    lengths = np.minimum(rng.lognormal(4.5, 0.7, texts), 512).astype(int).tolist()
    step_seconds = []
    for epoch in range(epochs):
        order = get_length_grouped_indices(
            lengths, batch, generator=torch.Generator().manual_seed(epoch)
        )
        step_seconds += [
            max(lengths[i] for i in order[s : s + batch]) / 10 for s in range(0, texts, batch)
        ]
    args = SimpleNamespace(
        num_train_epochs=epochs, train_sampling_strategy="group_by_length", train_batch_size=batch,
        gradient_accumulation_steps=1, world_size=1,
    )  # fmt: skip

    def estimate(measured: int | None) -> tuple[float, float]:
        clock = [0.0]
        monkeypatch.setattr(callbacks.time, "perf_counter", lambda: clock[0])
        callback = callbacks.CostEstimateCallback(measured=measured, texts=texts)
        callback.on_train_begin(args, SimpleNamespace(global_step=0), None)
        for step, seconds in enumerate(step_seconds, start=1):
            clock[0] += seconds
            state = SimpleNamespace(
                is_world_process_zero=True, global_step=step, max_steps=len(step_seconds)
            )
            callback.on_step_end(args, state, None)
        (line,) = capsys.readouterr().out.splitlines()
        left, minutes = int(line.split()[1]), float(line.split(" about ")[1].split()[0])
        return minutes * 60, sum(step_seconds[len(step_seconds) - left :])

    estimated, taken = estimate(None)
    assert abs(estimated / taken - 1) < 0.03
    estimated, taken = estimate(20)
    assert estimated / taken > 1.15


def test_layer_decay_scales_each_layers_rate_down_from_the_head(
    processed_slice, tokenizer, schema, tmp_path
):
    """tiny has 2 encoder layers: at decay 0.5 and rate 1e-3 the head learns at 1e-3, layer 1 at
    5e-4, layer 0 at 2.5e-4 and the embeddings at 1.25e-4; every parameter is in exactly one
    group and the weight decay falls where the Trainer's own groups put it."""
    spec = registry.resolve("tiny")
    train = {**TRAIN_PARAMS["train"], "learning_rate": 1e-3, "weight_decay": 0.01}
    decayed = TrainConfig.from_params({"train": {**train, "layer_decay": 0.5}}, spec)
    trainer = training.build_trainer(spec, schema, processed_slice, tokenizer, decayed, tmp_path)
    optimizer = trainer.create_optimizer()
    assert isinstance(optimizer, torch.optim.AdamW) and optimizer.defaults["fused"] is True
    names = {id(p): n for n, p in trainer.model.named_parameters()}
    rate_of = {names[id(p)]: g["lr"] for g in optimizer.param_groups for p in g["params"]}
    assert sorted(rate_of) == sorted(names.values())
    assert sum(len(g["params"]) for g in optimizer.param_groups) == len(names)
    assert rate_of["bert.embeddings.word_embeddings.weight"] == 1e-3 * 0.5**3
    assert rate_of["bert.encoder.layer.0.attention.self.query.weight"] == 1e-3 * 0.5**2
    assert rate_of["bert.encoder.layer.1.output.dense.bias"] == 1e-3 * 0.5
    assert rate_of["bert.pooler.dense.weight"] == rate_of["classifier.bias"] == 1e-3
    decay_of = {
        names[id(p)]: g["weight_decay"] for g in optimizer.param_groups for p in g["params"]
    }
    with_decay = set(trainer.get_decay_parameter_names(trainer.model))
    assert {n for n, d in decay_of.items() if d == 0.01} == with_decay
    assert {n for n, d in decay_of.items() if d == 0.0} == set(names.values()) - with_decay

    plain = TrainConfig.from_params({"train": train}, spec)
    assert plain.layer_decay == 1.0
    trainer = training.build_trainer(spec, schema, processed_slice, tokenizer, plain, tmp_path)
    assert trainer.optimizer_cls_and_kwargs is None  # the Trainer's own two groups
    assert {g["lr"] for g in trainer.create_optimizer().param_groups} == {1e-3}


def test_layer_decay_counts_the_layers_of_the_encoder_it_is_given():
    """An encoder's depth comes from its parameter names (`layer.N` in BERT, `layers.N` in
    others); the label-attention head's parameters, named without a layer, learn at the full
    rate."""
    from mltc.modeling.layer_decay import parameter_groups

    def parameter():
        return torch.nn.Parameter(torch.zeros(1))

    named = [
        ("queries", parameter()),
        ("encoder.embeddings.word_embeddings.weight", parameter()),
        *((f"encoder.layers.{i}.mlp.weight", parameter()) for i in range(4)),
    ]
    groups = parameter_groups(named, 1.0, 0.0, 0.5, decayed=set())
    by_parameter = {id(p): g["lr"] for g in groups for p in g["params"]}
    assert [by_parameter[id(p)] for _, p in named] == [1.0, 0.5**5, 0.5**4, 0.5**3, 0.5**2, 0.5]


def test_early_stopping_ends_training_once_validation_stops_improving(
    processed_slice, tokenizer, schema, tmp_path
):
    """train.early_stopping_patience=1: with a learning rate too small to change a prediction,
    validation cannot improve on the first epoch, so 2 of the 5 epochs run and the first is kept."""
    spec = registry.resolve("tiny")
    params = {"train": {**TRAIN_PARAMS["train"], "epochs": 5, "early_stopping_patience": 1,
                        "learning_rate": 1e-12}}  # fmt: skip
    trainer = training.build_trainer(
        spec, schema, processed_slice, tokenizer, TrainConfig.from_params(params, spec), tmp_path
    )
    trainer.train()
    assert trainer.state.epoch == 2.0
    assert training.best_epoch(trainer) == 1.0
