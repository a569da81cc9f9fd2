"""The export folder: the shipped classifier folder's layout (`ensemble.json`, `thresholds.json`,
`baseline/`, the model card), with each member as an exported graph folder
(mltc.export.graph_folder) instead of torch weights. So the same manifest, rule and baseline
loaders read it, and the decision rule travels with the graphs."""

import shutil
from pathlib import Path

from mltc.core.errors import PipelineError
from mltc.decision.rule import THRESHOLDS_FILE
from mltc.ensemble.classifier_folder import (
    BASELINE_DIR,
    CARD_FILE,
    MANIFEST_FILE,
    Manifest,
)
from mltc.export.onnx_graphs import export_member, quantize_member


def write_export(target: Path, classifier: Path, int8: bool, trust_remote_code: bool) -> Manifest:
    """Write `target` (a new folder) from the classifier folder `classifier`; its manifest."""
    classifier, target = Path(classifier), Path(target)
    if not (classifier / MANIFEST_FILE).is_file():
        raise PipelineError(
            f"{classifier} has no {MANIFEST_FILE}: the export reads the shipped classifier "
            "folder (models/classifier, written by dvc repro tune_thresholds)"
        )
    manifest = Manifest.load(classifier)
    exported = Manifest.for_members(list(manifest.members), manifest.baseline_weight)
    target.mkdir()
    for name, relative in manifest.members.items():
        export_member(classifier / relative, target / exported.members[name], trust_remote_code)
        if int8:
            quantize_member(target / exported.members[name])
    if manifest.baseline_weight > 0:
        shutil.copytree(classifier / BASELINE_DIR, target / BASELINE_DIR)
    exported.save(target)
    for name in (THRESHOLDS_FILE, CARD_FILE):
        shutil.copy2(classifier / name, target / name)
    return exported
