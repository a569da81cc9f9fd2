"""Trainer callbacks: a one-line summary after each evaluation."""

from tqdm.auto import tqdm
from transformers import TrainerCallback

SUMMARY_METRICS = ("loss", "micro_f1", "macro_f1", "jaccard")


class EpochSummaryCallback(TrainerCallback):
    """Print `epoch 2/5  train_loss 0.31  eval_loss 0.29  micro_f1 0.68 ...` after each evaluation."""

    def on_evaluate(self, args, state, control, metrics=None, **kwargs) -> None:
        if not state.is_world_process_zero or not metrics:
            return
        train_losses = [entry["loss"] for entry in state.log_history if "loss" in entry]
        parts = [f"epoch {state.epoch:.0f}/{args.num_train_epochs:.0f}"]
        if train_losses:
            parts.append(f"train_loss {train_losses[-1]:.4f}")
        parts += [
            f"eval_{name} {metrics[f'eval_{name}']:.4f}"
            for name in SUMMARY_METRICS
            if f"eval_{name}" in metrics
        ]
        tqdm.write("  ".join(parts))
