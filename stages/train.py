"""Stage train: fine-tune with the Trainer, keep the best epoch, save model and tokenizer."""

import shutil

import dvc.api
from datasets import load_from_disk

from mltc import paths
from mltc.data.labels import LabelSchema
from mltc.data.text import TextEncoding
from mltc.errors import run_stage
from mltc.fileio import publish, write_csv, write_json
from mltc.modeling import checkpoints, registry, training
from mltc.modeling.build import load_tokenizer
from mltc.modeling.curves import training_curves
from mltc.params import PreprocessConfig, TrainConfig


def main() -> None:
    params = dvc.api.params_show(stages="train")
    spec = registry.resolve(params["model"], params["trust_remote_code"])
    config = TrainConfig.from_params(params, spec)
    encoding = TextEncoding(PreprocessConfig.from_params(params).max_length)
    schema = LabelSchema.load(paths.LABELS)
    tokenizer = load_tokenizer(spec)
    processed = load_from_disk(str(paths.PROCESSED))
    for split in ("train", "validation"):
        schema.check_label_count(len(processed[split][0]["labels"]), f"{paths.PROCESSED} ({split})")
    key_params = {
        "model": spec.alias,
        "max_length": encoding.max_length,
        **{k: getattr(config, k) for k in ("learning_rate", "batch_size", "epochs", "precision")},
    }
    trainer = training.build_trainer(spec, schema, processed, tokenizer, config, paths.CHECKPOINTS)
    # a checkpoint is reused only by a run with the same params, data and code (dvc.yaml's deps)
    run_fingerprint = checkpoints.stage_fingerprint("train", params)
    resume_from, message = checkpoints.resume_point(paths.CHECKPOINTS, run_fingerprint)
    staging = paths.WEIGHTS.with_name(f".{paths.WEIGHTS.name}.partial")
    if trainer.is_world_process_zero():
        print(message)
        if resume_from is None:
            checkpoints.start_fresh(paths.CHECKPOINTS, run_fingerprint)
        shutil.rmtree(staging, ignore_errors=True)
    trainer.accelerator.wait_for_everyone()
    result = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)

    trainer.save_model(str(staging))  # every rank calls it; only rank 0 writes
    if trainer.is_world_process_zero():
        (staging / "training_args.bin").unlink(missing_ok=True)  # a pickle: never shipped
        encoding.save(staging)  # how predict must encode a text: as training and evaluate did
        publish(staging, paths.WEIGHTS)
        shutil.rmtree(paths.CHECKPOINTS, ignore_errors=True)
        kept_epoch = training.best_epoch(trainer)
        for name, frame in training_curves(trainer.state.log_history, kept_epoch).items():
            write_csv(paths.TRAIN_CURVES / f"{name}.csv", frame)
        write_json(
            paths.TRAIN_SUMMARY,
            {
                "best_epoch": kept_epoch,
                f"best_{config.metric_for_best_model}": trainer.state.best_metric,
                "train_runtime_s": round(result.metrics["train_runtime"], 1),
                "train_samples_per_second": result.metrics["train_samples_per_second"],
                **key_params,
            },
        )


if __name__ == "__main__":
    run_stage(main)
