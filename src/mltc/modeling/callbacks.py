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


def length_group_steps(texts: int, sampler_batch: int, processes: int = 1) -> int:
    """Optimizer steps over one mega-batch of transformers' length-grouped sampler
    (`transformers.trainer_pt_utils.get_length_grouped_indices`): 50 of its batches, or a quarter
    of the data if that is fewer, each mega-batch sorted longest first and the processes taking
    its batches in turn. Steps timed over less than one are the longest of it."""
    batches = min(texts // (sampler_batch * 4), 50) or 1
    return max(1, batches // max(1, processes))


class CostEstimateCallback(TrainerCallback):
    """Before most of the cost is paid, print what training will take: every step of the run at
    the mean time of `measured` steps after `warmup` (the first are slow: allocation, caches),
    less the time already spent, plus as much again per epoch for evaluation in proportion to the
    validation texts.

    `measured` None: 20 steps, or with the length-grouped sampler over `texts` training texts one
    of its mega-batches (length_group_steps), so that short and long batches are timed in the
    proportion an epoch has them; the run's first steps, its longest, are counted at the time
    they took."""

    def __init__(
        self, warmup: int = 5, measured: int | None = None, eval_share: float = 0.0,
        texts: int = 0,
    ) -> None:  # fmt: skip
        self.warmup, self.measured, self.eval_share = warmup, measured, eval_share
        self.texts = texts
        self.first_step: int | None = None
        self.began: float | None = None
        self.started: float | None = None

    def on_train_begin(self, args, state, control, **kwargs) -> None:
        self.began = time.perf_counter()
        if self.measured is None:
            self.measured = 20
            if args.train_sampling_strategy == "group_by_length":
                sampler_batch = args.train_batch_size * args.gradient_accumulation_steps
                self.measured = length_group_steps(self.texts, sampler_batch, args.world_size)

    def on_step_end(self, args, state, control, **kwargs) -> None:
        if not state.is_world_process_zero or self.began is None:
            return
        if self.first_step is None:
            self.first_step = state.global_step  # after a resume, the step it resumed from + 1
        done = state.global_step - self.first_step
        if done == self.warmup:
            self.started = time.perf_counter()
        elif done == self.warmup + self.measured and self.started is not None:
            now = time.perf_counter()
            per_step = (now - self.started) / self.measured
            left = state.max_steps - state.global_step
            run_steps = state.max_steps - self.first_step + 1
            training = max(per_step * run_steps - (now - self.began), 0.0)
            seconds = training * (1 + self.eval_share)
            tqdm.write(
                f"estimate: {left} of {state.max_steps} steps left at {per_step:.2f} s a step "
                f"(measured over {self.measured}), with evaluation about {seconds / 60:.1f} min "
                f"for this member ({args.num_train_epochs:.0f} epochs); each member of the "
                "ensemble trains in turn (docs/own-data.md: time on a CPU)"
            )
