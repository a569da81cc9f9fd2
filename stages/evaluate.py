"""Stage evaluate: probabilities for validation and test, and every metric at threshold 0.5."""

import dvc.api
import numpy as np
import pandas as pd
from datasets import load_from_disk

from mltc import paths
from mltc.errors import run_stage
from mltc.fileio import write_csv, write_json, write_npz
from mltc.hardware import best_device
from mltc.inference import predict_proba
from mltc.labels import LabelSchema
from mltc.metrics import evaluation_report, interpolated_pr_curves
from mltc.modeling import load_classifier
from mltc.params import EvaluateConfig

EVALUATED_SPLITS = ("validation", "test")


def main() -> None:
    config = EvaluateConfig.from_params(dvc.api.params_show(stages="evaluate"))
    schema = LabelSchema.load(paths.LABELS)
    model, tokenizer = load_classifier(paths.FINETUNED)
    schema.check_model_labels(model.config.id2label, str(paths.FINETUNED))
    model.to(best_device())
    processed = load_from_disk(str(paths.PROCESSED))

    report = {}
    for split in EVALUATED_SPLITS:
        dataset = processed[split]
        probs = predict_proba(
            model, tokenizer, dataset.to_dict(), config.batch_size, precision=config.precision
        )
        gold = np.asarray(dataset["labels"], dtype=np.float32)
        write_npz(paths.probs_file(split), ids=np.asarray(dataset["id"]), probs=probs, labels=gold)
        report[split] = evaluation_report(gold, probs, schema.label_names)
        print(
            f"{split}: "
            + "  ".join(f"{k} {report[split][k]:.4f}" for k in ("jaccard", "micro_f1", "macro_f1"))
        )
        if split == "test":
            write_csv(
                paths.PR_CURVES,
                pd.DataFrame(interpolated_pr_curves(gold, probs, schema.label_names)),
            )
    write_json(paths.EVALUATE_METRICS, report)


if __name__ == "__main__":
    run_stage(main)
