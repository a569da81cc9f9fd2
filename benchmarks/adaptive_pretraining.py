"""Task-adaptive pretraining (Gururangan et al. 2020, "Don't Stop Pretraining"): a short
masked-language-model pass over the training texts before fine-tuning, measured as a member lever.

    python -m benchmarks.adaptive_pretraining --epochs 10 --out /tmp/minilm-tapt
    python -m benchmarks.member_study train --model /tmp/minilm-tapt \
        --train-key learning_rate=1.5e-4 --runs label-aware:42 ... --out tapt.npz

Only the train split's texts are read (never validation or test, nor any label). The checkpoint
keeps the encoder's own pooler; the MLM head (a sentence-transformers checkpoint ships none: it
starts from the embeddings it is tied to, its transform layer random) is dropped after the pass,
so the folder written is the encoder alone, loaded like any local model (`model: <folder>`).
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
from transformers import (
    AutoModel,
    AutoModelForMaskedLM,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
    set_seed,
)

from benchmarks.large_data import cpu_name
from mltc.core import split_files
from mltc.modeling import registry
from mltc.modeling.cpu_dropout import use_cpu_dropout
from mltc.modeling.hardware import best_device
from mltc.modeling.model_files import load_tokenizer
from mltc.modeling.training import mixed_precision

MASKED_SHARE = 0.15  # BERT's and the paper's


class MaskedPositionsTrainer(Trainer):
    """Scores the vocabulary at the masked positions only: the head over all positions costs as
    much as the encoder on tweets (over the first 22 steps on 2 CPU cores, the longest, 1.04 s a step against 0.75); the loss is the
    same cross-entropy, which skips the other positions anyway."""

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        hidden = model.base_model(**inputs).last_hidden_state
        masked = labels != -100
        (head,) = [m for n, m in model.named_children() if n != model.base_model_prefix]
        logits = head(hidden[masked])
        loss = torch.nn.functional.cross_entropy(logits.float(), labels[masked])
        return (loss, logits) if return_outputs else loss


def pretrain(
    model: str, texts: list[str], out: Path, epochs: float, learning_rate: float,
    batch_size: int, max_length: int, seed: int,
) -> dict:  # fmt: skip
    """Run the masked-language-model pass over `texts` and write the encoder to `out`; returns
    what the run measured (loss at the start and the end, seconds)."""
    spec = registry.resolve(model)
    location = registry.weights_location(spec)
    tokenizer = load_tokenizer(spec)
    set_seed(seed)
    masked_lm = AutoModelForMaskedLM.from_pretrained(location)
    if best_device().type == "cpu":
        use_cpu_dropout(masked_lm)  # as the train stage does (mltc.modeling.cpu_dropout)
    encoded = [tokenizer(text, truncation=True, max_length=max_length) for text in texts]
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=MASKED_SHARE, seed=seed)
    with tempfile.TemporaryDirectory() as checkpoints:
        arguments = TrainingArguments(
            output_dir=checkpoints, num_train_epochs=epochs, learning_rate=learning_rate,
            per_device_train_batch_size=batch_size, weight_decay=0.01, warmup_steps=0.06,
            lr_scheduler_type="linear", save_strategy="no", logging_strategy="epoch",
            report_to="none", seed=seed, data_seed=seed, train_sampling_strategy="group_by_length",
            use_cpu=best_device().type == "cpu", **mixed_precision("auto"),
        )  # fmt: skip
        trainer = MaskedPositionsTrainer(
            model=masked_lm, args=arguments, train_dataset=encoded, data_collator=collator
        )
        start = time.perf_counter()
        trainer.train()
        seconds = round(time.perf_counter() - start, 1)
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    encoder = AutoModel.from_pretrained(location)  # with its pooler, which MLM has not
    missing, unexpected = encoder.load_state_dict(masked_lm.base_model.state_dict(), strict=False)
    if unexpected or any(not name.startswith("pooler.") for name in missing):
        raise SystemExit(f"encoder weights did not match: {missing=} {unexpected=}")
    out.mkdir(parents=True, exist_ok=True)
    encoder.save_pretrained(out)
    tokenizer.save_pretrained(out)
    summary = {
        "model": model, "texts": len(texts), "epochs": epochs, "learning_rate": learning_rate,
        "batch_size": batch_size, "max_length": max_length, "seed": seed,
        "loss_by_epoch": [round(loss, 4) for loss in losses], "seconds": seconds,
        "cpu": cpu_name(), "device": best_device().type,
    }  # fmt: skip
    (out / "adaptive_pretraining.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--epochs", type=float, default=10)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        texts = split_files.split_dataset("train", cache)["text"]
    summary = pretrain(
        args.model, texts, args.out, args.epochs, args.learning_rate, args.batch_size,
        args.max_length, args.seed,
    )  # fmt: skip
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
