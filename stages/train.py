"""Stage train: fine-tune with the Trainer, keep the best epoch, save model and tokenizer."""

import shutil

import dvc.api
from datasets import load_from_disk

from mltc import paths, registry, training
from mltc.errors import run_stage
from mltc.fileio import publish, write_json
from mltc.labels import LabelSchema
from mltc.modeling import load_tokenizer
from mltc.params import TrainConfig


def main() -> None:
    params = dvc.api.params_show(stages="train")
    spec = registry.resolve(params["model"])
    config = TrainConfig.from_params(params, spec)
    schema = LabelSchema.load(paths.LABELS)
    tokenizer = load_tokenizer(spec)
    processed = load_from_disk(str(paths.PROCESSED))
    key_params = {
        "model": spec.alias,
        "max_length": params["preprocess"]["max_length"],
        **{k: getattr(config, k) for k in ("learning_rate", "batch_size", "epochs", "precision")},
    }
    trainer = training.build_trainer(
        spec, schema, processed, tokenizer, config, paths.CHECKPOINTS, paths.TRAIN_LIVE, key_params
    )
    staging = paths.FINETUNED.with_name(f".{paths.FINETUNED.name}.partial")
    if trainer.is_world_process_zero():  # a fresh run: nothing left over from a killed one
        shutil.rmtree(paths.CHECKPOINTS, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    result = trainer.train()

    trainer.save_model(str(staging))  # every rank calls it; only rank 0 writes
    if trainer.is_world_process_zero():
        publish(staging, paths.FINETUNED)
        shutil.rmtree(paths.CHECKPOINTS, ignore_errors=True)
        write_json(
            paths.TRAIN_SUMMARY,
            {
                "best_epoch": training.best_epoch(trainer),
                f"best_{config.metric_for_best_model}": trainer.state.best_metric,
                "train_runtime_s": round(result.metrics["train_runtime"], 1),
                "train_samples_per_second": result.metrics["train_samples_per_second"],
                **key_params,
            },
        )


if __name__ == "__main__":
    run_stage(main)
