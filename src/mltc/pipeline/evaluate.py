"""Stage evaluate@MEMBER: the member's probabilities for validation and test, and every metric at
threshold 0.5 (tune_thresholds combines the members)."""

import numpy as np
from datasets import load_from_disk

from mltc.core import paths
from mltc.core.files import write_json, write_npz
from mltc.core.labels import LabelSchema
from mltc.core.metrics import evaluation_report, headline_line
from mltc.core.text import TextEncoding
from mltc.core.tokenized import arrow_column, label_matrix
from mltc.modeling.build import load_classifier
from mltc.modeling.config import EvaluateConfig
from mltc.modeling.hardware import best_device
from mltc.modeling.inference import score_split


def run(params: dict, member: str) -> None:
    """Score validation and test with member `member`'s fine-tuned model."""
    config = EvaluateConfig.from_params(params)
    schema = LabelSchema.load(paths.LABELS)
    weights = paths.member_weights(member)
    model, tokenizer = load_classifier(weights, params["trust_remote_code"])
    schema.check_model_labels(model.config.id2label, str(weights))
    model.to(best_device())
    pooling = TextEncoding.load(weights).pooling  # windows: as the member trained
    processed = load_from_disk(str(paths.member_processed(member)))

    report = {}
    for split in (split for split in paths.EVALUATED_SPLITS if split in processed):
        dataset = processed[split]
        probs = score_split(model, tokenizer, dataset, config.batch_size, config.precision, pooling)
        arrays = {
            "ids": arrow_column(dataset, "id").to_numpy().astype(str),
            "probs": probs,
            "label_names": np.asarray(schema.label_names),
        }
        if schema.is_labelled(split):
            gold = label_matrix(dataset)
            arrays["labels"] = gold
            report[split] = evaluation_report(gold, probs, schema.label_names)
            print(f"{member} {split} at 0.5: {headline_line(report[split])}")
        else:
            print(f"{split}: {len(probs)} texts without labels: probabilities only, no metrics")
        write_npz(paths.probs_file(split, paths.member_probs(member)), **arrays)
    write_json(paths.member_evaluate_metrics(member), report)
