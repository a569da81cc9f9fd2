"""Training curves a person wants to look at, from the Trainer's log history (which a resumed run
restores from its checkpoint, so the curves are whole): loss of both splits, the validation
metrics with the kept epoch marked, and the learning rate, all against the epoch."""

from collections.abc import Sequence

import pandas as pd

CURVE_METRICS = ("micro_f1", "macro_f1", "jaccard")


def training_curves(
    log_history: Sequence[dict], kept_epoch: float | None
) -> dict[str, pd.DataFrame]:
    """`loss` (epoch, series = train or validation, loss), `validation` (epoch, series = metric,
    value, kept = 1 at the kept epoch) and `learning_rate` (epoch, learning_rate)."""
    loss, validation, learning_rate = [], [], []
    for entry in log_history:
        epoch = entry.get("epoch")
        if "loss" in entry:  # a training log, every logging_steps
            loss.append({"epoch": epoch, "series": "train", "loss": entry["loss"]})
            learning_rate.append({"epoch": epoch, "learning_rate": entry["learning_rate"]})
        elif "eval_loss" in entry:  # an evaluation on validation, every epoch
            loss.append({"epoch": epoch, "series": "validation", "loss": entry["eval_loss"]})
            kept = int(epoch == kept_epoch)
            validation += [
                {"epoch": epoch, "series": name, "value": entry[f"eval_{name}"], "kept": kept}
                for name in CURVE_METRICS
            ]
    return {
        "loss": pd.DataFrame(loss, columns=["epoch", "series", "loss"]),
        "validation": pd.DataFrame(validation, columns=["epoch", "series", "value", "kept"]),
        "learning_rate": pd.DataFrame(learning_rate, columns=["epoch", "learning_rate"]),
    }
