"""Fine-tune a classifier with the Hugging Face Trainer; the Trainer does the loop, eval and DDP."""

import contextlib
import shutil
from pathlib import Path

import numpy as np
import torch
from datasets import DatasetDict
from transformers import (
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    EvalPrediction,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
    set_seed,
)
from transformers.trainer_utils import TrainOutput

from mltc.core.files import publish
from mltc.core.labels import LabelSchema
from mltc.core.metrics import binarize, label_metrics
from mltc.core.text import TextEncoding
from mltc.core.tokenized import label_matrix
from mltc.modeling import checkpoints, layer_decay
from mltc.modeling.build import build_model, output_layer
from mltc.modeling.callbacks import CostEstimateCallback, EpochSummaryCallback
from mltc.modeling.config import DistributedConfig, TrainConfig
from mltc.modeling.cpu_dropout import use_cpu_dropout
from mltc.modeling.hardware import best_device, resolve_precision
from mltc.modeling.label_attention import LabelAttentionClassifier
from mltc.modeling.label_aware import EncoderWithHead, LabelAwareClassifier
from mltc.modeling.registry import ModelSpec
from mltc.modeling.windows import WindowCollator, WindowPoolingTrainer


def compute_metrics(prediction: EvalPrediction) -> dict[str, float]:
    """Validation metrics at threshold 0.5, logged by the Trainer as eval_<name> each epoch."""
    logits, gold = prediction.predictions, prediction.label_ids
    probs = 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))
    return label_metrics(np.asarray(gold).astype(np.int8), binarize(probs))


def positive_weights(train_gold: np.ndarray, power: float) -> torch.Tensor:
    """Per-label BCE weight of the positives, (negatives / positives) ** power, from the training
    labels: 0 gives plain BCE, 1 weighs each label's positives as much as its negatives."""
    gold = np.asarray(train_gold, dtype=np.float64)
    positives = gold.sum(axis=0).clip(min=1.0)  # a label never seen in train gets weight 1
    return torch.tensor(((len(gold) - positives) / positives) ** power, dtype=torch.float32)


def prior_logits(train_gold: np.ndarray) -> torch.Tensor:
    """Each label's log-odds among the training texts, smoothed by half a text each way so that a
    label never (or always) seen stays finite: the bias at which a head that ignores the text
    already scores the labels' base rates."""
    gold = np.asarray(train_gold, dtype=np.float64)
    rate = (gold.sum(axis=0) + 0.5) / (len(gold) + 1.0)
    return torch.tensor(np.log(rate / (1.0 - rate)), dtype=torch.float32)


def start_at_prior(
    model: PreTrainedModel, train_gold: np.ndarray, pos_weight: torch.Tensor | None = None
) -> None:
    """train.head_bias: prior: a plain or label-attention head's output bias set to where its
    loss is lowest for a head that ignores the text: the labels' log-odds in `train_gold`, plus
    log(pos_weight) where the positives are weighted (BCE with weight w on the positives is lowest
    at logit(rate) + log(w)). A label-aware head scores every label with one shared output: it
    keeps its own start."""
    target = prior_logits(train_gold)
    if pos_weight is not None:
        target = target + torch.log(pos_weight)
    if isinstance(model, LabelAttentionClassifier):
        bias = model.bias
    else:
        bias = output_layer(model, train_gold.shape[1]).bias
    with torch.no_grad():
        bias.copy_(target)


def weighted_bce(pos_weight: torch.Tensor | None):
    """A Trainer `compute_loss_func`: BCE over every (text, label) pair, positives weighted
    (None: plain BCE)."""

    def loss(outputs, labels, num_items_in_batch=None) -> torch.Tensor:
        logits = outputs.logits.float()
        weight = None if pos_weight is None else pos_weight.to(logits.device)
        return torch.nn.functional.binary_cross_entropy_with_logits(
            logits, labels.float(), pos_weight=weight
        )

    return loss


# Asymmetric loss (Ridnik et al., ICCV 2021), the paper's multi-label setting: easy negatives
# down-weighted by (p_m)^4 with their probability shifted down by 0.05 first (p_m = max(p - 0.05,
# 0)), positives as in BCE (gamma 0)
ASL_GAMMA_NEGATIVE = 4.0
ASL_GAMMA_POSITIVE = 0.0
ASL_CLIP = 0.05


def asymmetric_loss(pos_weight: torch.Tensor | None = None):
    """A Trainer `compute_loss_func`: the asymmetric loss over every (text, label) pair, mean over
    the pairs like BCE; with `pos_weight`, the positives' terms weighted as in `weighted_bce`."""

    def loss(outputs, labels, num_items_in_batch=None) -> torch.Tensor:
        logits = outputs.logits.float()
        labels = labels.float()
        p = torch.sigmoid(logits)
        p_shifted = (p - ASL_CLIP).clamp(min=0)
        log_p = torch.nn.functional.logsigmoid(logits)
        log_not_p = torch.log((1 - p_shifted).clamp(min=1e-8))
        positive = labels * (1 - p) ** ASL_GAMMA_POSITIVE * log_p
        if pos_weight is not None:
            positive = positive * pos_weight.to(logits.device)
        negative = (1 - labels) * p_shifted**ASL_GAMMA_NEGATIVE * log_not_p
        return -(positive + negative).mean()

    return loss


# SpanEmo's joint loss (Alhuzali and Ananiadou, EACL 2021): (1 - alpha) * BCE + alpha * the
# label-correlation loss, alpha 0.2 as in the paper
CORRELATION_ALPHA = 0.2


def label_correlation(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """SpanEmo's label-correlation loss: for each text, the mean over every (given label p, label
    not given q) pair of exp(sigmoid(s_q) - sigmoid(s_p)), which pushes each given label's score
    above each other one's; a text with no such pair (no label given, or every one) adds 0; the
    mean over the texts. A soft target counts as given from 0.5."""
    p = torch.sigmoid(logits.float())
    given = labels >= 0.5
    pairs = given.unsqueeze(2) & ~given.unsqueeze(1)  # [text, given p, not given q]
    exponent = (p.unsqueeze(1) - p.unsqueeze(2)).exp()  # [text, p, q] = exp(p_q - p_p)
    count = pairs.sum(dim=(1, 2))
    total = (exponent * pairs).sum(dim=(1, 2))
    return torch.where(count > 0, total / count.clamp(min=1), torch.zeros_like(total)).mean()


def correlation_loss(pos_weight: torch.Tensor | None = None):
    """A Trainer `compute_loss_func`: SpanEmo's joint loss, its BCE positives weighted as in
    `weighted_bce` with `pos_weight`."""

    bce = weighted_bce(pos_weight)

    def loss(outputs, labels, num_items_in_batch=None) -> torch.Tensor:
        correlation = label_correlation(outputs.logits, labels)
        return (1 - CORRELATION_ALPHA) * bce(outputs, labels) + CORRELATION_ALPHA * correlation

    return loss


def mixed_precision(precision: str) -> dict[str, bool]:
    """TrainingArguments flags; `auto` is bf16 where the GPU or CPU does it natively, else fp32."""
    resolved = resolve_precision(precision, best_device())
    return {"bf16": resolved == "bf16", "fp16": resolved == "fp16"}


def training_arguments(
    config: TrainConfig,
    checkpoints_dir: Path,
    distributed: DistributedConfig | None = None,
    **overrides,
) -> TrainingArguments:
    """The train stage's TrainingArguments; `overrides` replace single ones (for benchmarks).

    `config.batch_size` is the global batch, shared evenly by the processes torchrun started, so
    the optimisation (steps, learning-rate schedule) does not depend on the process count; without
    `distributed`, one process takes it all.
    """
    if distributed is None:
        per_process_batch, save_on_each_node = config.batch_size, False
    else:
        per_process_batch = distributed.per_process_batch(config.batch_size)
        save_on_each_node = distributed.save_on_each_node
    settings = dict(
        output_dir=str(checkpoints_dir),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=per_process_batch,
        per_device_eval_batch_size=config.eval_batch_size,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        warmup_steps=config.warmup_ratio,  # a float < 1 is a ratio of all steps in transformers 5
        lr_scheduler_type="linear",
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=1,  # plus the best one, kept by load_best_model_at_end
        load_best_model_at_end=True,
        metric_for_best_model=config.metric_for_best_model,
        greater_is_better=config.metric_for_best_model != "loss",
        train_sampling_strategy=config.sampling_strategy,
        optim=config.optimizer,
        logging_strategy="steps",
        logging_steps=config.logging_steps,
        logging_first_step=True,
        report_to="none",  # curves are written from the log history (mltc.modeling.curves)
        seed=config.seed,
        data_seed=config.seed,
        average_tokens_across_devices=False,  # else torchrun multiplies the BCE loss by world size
        ddp_find_unused_parameters=False,
        save_on_each_node=save_on_each_node,  # for nodes that share no filesystem
        dataloader_pin_memory=torch.cuda.is_available(),
        use_cpu=best_device().type == "cpu",  # also what lets bf16 autocast run on a CPU
        **mixed_precision(config.precision),
    )
    return TrainingArguments(**{**settings, **overrides})


def build_classifier(
    spec: ModelSpec,
    schema: LabelSchema,
    config: TrainConfig,
    label_positions: list[list[int]] | None = None,
    tokenizer: PreTrainedTokenizerBase | None = None,
    attention: bool = False,
) -> PreTrainedModel | LabelAwareClassifier | LabelAttentionClassifier:
    """The model to fine-tune, with the train params' dropout (label-aware with
    `label_positions`: mltc.modeling.label_aware; with `attention`, a label-attention head that
    reads the names with `tokenizer`, loaded when None: mltc.modeling.label_attention). Which
    head a member has is decided once, by mltc.modeling.input_choice.

    On a CPU its dropout draws cheaper masks (mltc.modeling.cpu_dropout), with matmul attention ("eager")
    around them: SDPA's fused CPU kernel takes no attention dropout and trains tweet-length
    batches slower than eager even without it.
    """
    set_seed(config.seed)  # before the classifier head is initialised
    model = build_model(spec, schema, config.dropout, label_positions, attention, tokenizer)
    if best_device().type == "cpu":
        use_cpu_dropout(model)
    return model


def build_trainer(
    spec: ModelSpec,
    schema: LabelSchema,
    processed: DatasetDict,
    tokenizer: PreTrainedTokenizerBase,
    config: TrainConfig,
    checkpoints_dir: Path,
    distributed: DistributedConfig | None = None,
    encoding: TextEncoding | None = None,
    attention: bool = False,
) -> Trainer:
    """The Trainer of one member reading its texts as `encoding` (mltc.modeling.input_choice's
    member_encoding; None: the text alone, one input a text). Its head, as build_classifier:
    label-aware where the encoding opens each input with the label names, the label-attention
    head with `attention`, plain otherwise. With windows, each text's windows are pooled before
    the loss (mltc.modeling.windows)."""
    label_positions = None if encoding is None else encoding.label_positions(tokenizer)
    pooling = None if encoding is None else encoding.pooling
    model = build_classifier(spec, schema, config, label_positions, tokenizer, attention)
    train_gold = label_matrix(processed["train"])
    weights = None
    if config.pos_weight_power > 0:
        weights = positive_weights(train_gold, config.pos_weight_power)
    if config.head_bias == "prior" and label_positions is None:
        start_at_prior(model, train_gold, weights)
    # evaluation reads the validation texts once an epoch, at about a third of a training step's
    # cost per text (a forward pass, no backward)
    eval_share = len(processed["validation"]) / max(len(processed["train"]), 1) / 3
    callbacks = [
        EpochSummaryCallback(),
        CostEstimateCallback(eval_share=eval_share, texts=len(processed["train"])),
    ]
    if config.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(config.early_stopping_patience))
    loss_func = None if weights is None else weighted_bce(weights)  # None: the model's own BCE
    if config.loss == "asymmetric":
        loss_func = asymmetric_loss(weights)
    if config.loss == "correlation":
        loss_func = correlation_loss(weights)
    arguments = dict(
        model=model,
        args=training_arguments(config, checkpoints_dir, distributed),
        train_dataset=processed["train"],
        eval_dataset=processed["validation"],
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        callbacks=callbacks,
    )
    if pooling is not None:
        trainer = WindowPoolingTrainer(
            **arguments, data_collator=WindowCollator(tokenizer), pooling=pooling,
            loss_func=loss_func,
        )  # fmt: skip
    else:
        trainer = Trainer(
            **arguments, compute_loss_func=loss_func,
            data_collator=DataCollatorWithPadding(tokenizer),
        )  # fmt: skip
    if config.layer_decay < 1:  # else the Trainer's own two groups
        trainer.optimizer_cls_and_kwargs = layer_decay.optimizer_factory(
            trainer.args, config.layer_decay, trainer.get_decay_parameter_names
        )
    return trainer


def save_classifier(trainer: Trainer, folder: Path) -> None:
    """The trained weights, config and tokenizer in `folder`; every process calls it, rank 0 (and
    with save_on_each_node each node's first process) writes."""
    trainer.save_model(str(folder))
    model = trainer.accelerator.unwrap_model(trainer.model)
    if isinstance(model, EncoderWithHead) and trainer.args.should_save:
        model.save_config(folder)  # the Trainer writes only the weights of a plain module


def best_epoch(trainer: Trainer) -> float | None:
    """The epoch of the checkpoint that load_best_model_at_end restored."""
    step = trainer.state.best_global_step
    for entry in trainer.state.log_history:
        if entry.get("step") == step and "eval_loss" in entry:
            return entry["epoch"]
    return None


def train_and_publish(
    trainer: Trainer,
    checkpoint_dir: Path,
    run_fingerprint: str,
    weights: Path,
    encoding: TextEncoding,
    save_on_each_node: bool,
) -> TrainOutput:
    """Train, resuming from `checkpoint_dir` when its checkpoints carry `run_fingerprint` (else
    from the start), then publish the best epoch's classifier to `weights` whole, with the text
    encoding beside it, and remove the checkpoints. Every process calls it; world rank 0 writes
    `weights`, and the first process of each node (with save_on_each_node) or of the world
    manages the checkpoints."""
    resume_from, message = checkpoints.resume_point(checkpoint_dir, run_fingerprint)
    staging = weights.with_name(f".{weights.name}.partial")
    manages_checkpoints = (
        trainer.is_local_process_zero() if save_on_each_node else trainer.is_world_process_zero()
    )
    if manages_checkpoints:
        print(message)
        if resume_from is None:
            checkpoints.start_fresh(checkpoint_dir, run_fingerprint)
    if trainer.is_world_process_zero():
        shutil.rmtree(staging, ignore_errors=True)
    trainer.accelerator.wait_for_everyone()
    result = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)

    save_classifier(trainer, staging)  # every process calls it; only rank 0 publishes
    if trainer.is_world_process_zero():
        (staging / "training_args.bin").unlink(missing_ok=True)  # a pickle: never shipped
        encoding.save(staging)  # how predict must encode a text: as training and evaluate did
        publish(staging, weights)
    trainer.accelerator.wait_for_everyone()  # every process has loaded the best checkpoint
    if manages_checkpoints:
        for leftover in (checkpoint_dir, staging):  # staging: where a node saved, never published
            shutil.rmtree(leftover, ignore_errors=True)
            with contextlib.suppress(OSError):  # models/checkpoints, models/members, when empty
                leftover.parent.rmdir()
    return result
