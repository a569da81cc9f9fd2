"""Stage evaluate: probabilities for validation and test, and every metric at threshold 0.5."""

import dvc.api
import numpy as np
import pandas as pd
from datasets import load_from_disk

from mltc import paths
from mltc.data.labels import LabelSchema
from mltc.data.text import arrow_column, label_matrix
from mltc.errors import run_stage
from mltc.fileio import write_csv, write_json, write_npz
from mltc.metrics import evaluation_report, interpolated_pr_curves
from mltc.modeling.build import load_classifier
from mltc.modeling.chunking import CHUNK_TEXTS, chunk_starts
from mltc.modeling.hardware import best_device
from mltc.modeling.inference import predict_proba_chunks
from mltc.params import EvaluateConfig


def main() -> None:
    params = dvc.api.params_show(stages="evaluate")
    config = EvaluateConfig.from_params(params)
    schema = LabelSchema.load(paths.LABELS)
    model, tokenizer = load_classifier(paths.WEIGHTS, params["trust_remote_code"])
    schema.check_model_labels(model.config.id2label, str(paths.WEIGHTS))
    model.to(best_device())
    processed = load_from_disk(str(paths.PROCESSED))

    report, curves = {}, None
    for split in (split for split in paths.EVALUATED_SPLITS if split in processed):
        dataset = processed[split]
        chunks = (dataset[start : start + CHUNK_TEXTS] for start in chunk_starts(len(dataset)))
        probs = predict_proba_chunks(
            model, tokenizer, chunks, config.batch_size, precision=config.precision
        )
        arrays = {
            "ids": arrow_column(dataset, "id").to_numpy().astype(str),
            "probs": probs,
            "label_names": np.asarray(schema.label_names),
        }
        if schema.is_labelled(split):
            gold = label_matrix(dataset)
            arrays["labels"] = gold
            report[split] = evaluation_report(gold, probs, schema.label_names)
            curves = pd.DataFrame(interpolated_pr_curves(gold, probs, schema.label_names))
            print(
                f"{split}: "
                + "  ".join(
                    f"{k} {report[split][k]:.4f}" for k in ("jaccard", "micro_f1", "macro_f1")
                )
            )
        else:
            print(f"{split}: {len(probs)} texts without labels: probabilities only, no metrics")
        write_npz(paths.probs_file(split), **arrays)
    write_csv(paths.PR_CURVES, curves)  # test's when it has labels, else validation's
    write_json(paths.EVALUATE_METRICS, report)


if __name__ == "__main__":
    run_stage(main)
