"""Trainer callbacks: dvclive curves with only the key params (whole, also after a resume), and
a one-line epoch summary."""

from pathlib import Path
from typing import Any

from tqdm.auto import tqdm
from transformers import TrainerCallback
from transformers.integrations import DVCLiveCallback

SUMMARY_METRICS = ("loss", "micro_f1", "macro_f1", "jaccard")


class LiveCurvesCallback(DVCLiveCallback):
    """DVCLiveCallback writing to `live_dir`, logging `key_params` instead of all TrainingArguments."""

    def __init__(self, live_dir: Path, key_params: dict[str, Any]) -> None:
        super().__init__()
        self.live_dir = Path(live_dir)
        self.key_params = key_params

    def setup(self, args, state, model) -> None:
        from dvclive import Live

        self._initialized = True
        if state.is_world_process_zero:  # Live writes files: rank 0 only
            self.live = Live(str(self.live_dir), report=None, save_dvc_exp=False, dvcyaml=False)
            self.live.log_params(self.key_params)
            for entry in state.log_history:  # a resumed run: the curves before the checkpoint
                self.on_log(args, state, None, logs={k: v for k, v in entry.items() if k != "step"})


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
