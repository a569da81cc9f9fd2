"""Stage train@MEMBER: fine-tune one ensemble member with the Trainer, keep the best epoch, save
its weights and tokenizer."""

import os
from dataclasses import asdict

from datasets import load_from_disk

from mltc.core import paths
from mltc.core.files import write_csv, write_json
from mltc.core.labels import LabelSchema
from mltc.modeling import checkpoints, training
from mltc.modeling.config import PreprocessConfig
from mltc.modeling.curves import training_curves
from mltc.modeling.hardware import best_device, resolve_precision
from mltc.modeling.input_choice import member_encoding
from mltc.modeling.members import checked_train_params
from mltc.modeling.model_files import load_tokenizer


def run(params: dict, member: str) -> None:
    """Fine-tune member `member` in each process torchrun started; rank 0 writes the outputs."""
    params, spec, config, distributed, per_process_batch = checked_train_params(params, member)
    distributed.check_launched(int(os.environ.get("WORLD_SIZE", "1")))  # set by torchrun
    schema = LabelSchema.load(paths.LABELS)
    tokenizer = load_tokenizer(spec)
    encoding, choice = member_encoding(
        PreprocessConfig.from_params(params), config.label_aware, schema.label_names, tokenizer
    )
    processed_dir, weights = paths.member_processed(member), paths.member_weights(member)
    checkpoint_dir, curves_dir = paths.member_checkpoints(member), paths.member_train_curves(member)
    processed = load_from_disk(str(processed_dir))
    for split in ("train", "validation"):
        schema.check_label_count(len(processed[split][0]["labels"]), f"{processed_dir} ({split})")
    key_params = {
        "member": member,
        "model": spec.alias,
        "max_length": encoding.max_length,
        "learning_rate": config.learning_rate,
        "global_batch_size": config.batch_size,  # per_process_batch_size x processes
        "per_process_batch_size": per_process_batch,
        "processes": distributed.world_size,
        "epochs": config.epochs,
        "label_aware": choice.enabled,
        "label_aware_reason": choice.reason,
        "head": choice.head,  # plain, label-aware or attention
        "head_bias": None if choice.enabled else config.head_bias,  # label-aware: one shared bias
        "normalise": encoding.normalise,  # how it rewrote each text first (None: as it stood)
        "device": best_device().type,
        "precision": resolve_precision(config.precision, best_device()),  # what auto became
    }
    trainer = training.build_trainer(
        spec, schema, processed, tokenizer, config, checkpoint_dir, distributed, encoding,
        choice.attention,
    )  # fmt: skip
    # a checkpoint is reused only by a run with the same params, data and code (dvc.yaml's deps)
    # (the rendezvous address is left out: a job restarted elsewhere may resume)
    processes = {k: v for k, v in asdict(distributed).items() if not k.startswith("rdzv_")}
    run_fingerprint = checkpoints.stage_fingerprint(
        "train", {**params, "distributed": processes}, member
    )
    result = training.train_and_publish(
        trainer, checkpoint_dir, run_fingerprint, weights, encoding, distributed.save_on_each_node
    )
    if trainer.is_world_process_zero():
        kept_epoch = training.best_epoch(trainer)
        for name, frame in training_curves(trainer.state.log_history, kept_epoch).items():
            write_csv(curves_dir / f"{name}.csv", frame)
        write_json(
            paths.member_train_summary(member),
            {
                "best_epoch": kept_epoch,
                f"best_{config.metric_for_best_model}": trainer.state.best_metric,
                "train_runtime_s": round(result.metrics["train_runtime"], 1),
                "train_samples_per_second": result.metrics["train_samples_per_second"],
                **key_params,
            },
        )
