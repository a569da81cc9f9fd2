"""Trainer callbacks: a one-line summary after each evaluation, and an estimate of the training
time early in a run."""

import time

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


class CostEstimateCallback(TrainerCallback):
    """Before most of the cost is paid, print what training will take: after `warmup` steps (the
    first are slow: allocation, caches), the time of the next `measured` steps times the steps
    left, plus as much again per epoch for evaluation in proportion to the validation texts."""

    def __init__(self, warmup: int = 5, measured: int = 20, eval_share: float = 0.0) -> None:
        self.warmup, self.measured, self.eval_share = warmup, measured, eval_share
        self.first_step: int | None = None
        self.started: float | None = None

    def on_step_end(self, args, state, control, **kwargs) -> None:
        if not state.is_world_process_zero:
            return
        if self.first_step is None:
            self.first_step = state.global_step  # after a resume, the step it resumed from + 1
        done = state.global_step - self.first_step
        if done == self.warmup:
            self.started = time.perf_counter()
        elif done == self.warmup + self.measured and self.started is not None:
            per_step = (time.perf_counter() - self.started) / self.measured
            left = state.max_steps - state.global_step
            seconds = left * per_step * (1 + self.eval_share)
            tqdm.write(
                f"estimate: {left} of {state.max_steps} steps left at {per_step:.2f} s a step "
                f"(measured over {self.measured}), with evaluation about {seconds / 60:.1f} min "
                f"for this member ({args.num_train_epochs:.0f} epochs); each member of the "
                "ensemble trains in turn (docs/own-data.md: time on a CPU)"
            )
