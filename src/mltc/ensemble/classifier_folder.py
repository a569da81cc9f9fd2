"""The shipped classifier folder, written whole by `tune_thresholds` and read by `Predictor`:
`members/<name>/` (each fine-tuned member), `baseline/` (where the ensemble mixes it in),
`ensemble.json` (which member folders it averages and the baseline's weight), `thresholds.json`
(the decision rule) and the model card. A plain fine-tuned model folder (a member's own) reads
as a one-member ensemble, so `Predictor` and `predict` load either."""

import shutil
from dataclasses import dataclass
from pathlib import Path

from mltc.core.errors import PipelineError
from mltc.core.files import atomic_path, read_json, write_json
from mltc.decision import rule as decision_rule

MANIFEST_FILE = "ensemble.json"
MEMBERS_DIR = "members"
BASELINE_DIR = "baseline"
CARD_FILE = "README.md"


@dataclass(frozen=True)
class Manifest:
    members: dict[str, str]  # name -> folder, relative to the classifier folder
    baseline_weight: float = 0.0

    def save(self, folder: Path) -> None:
        write_json(
            Path(folder) / MANIFEST_FILE,
            {"members": self.members, "baseline_weight": self.baseline_weight,
             "baseline": BASELINE_DIR if self.baseline_weight > 0 else None},
        )  # fmt: skip

    @classmethod
    def for_members(cls, names: list[str], baseline_weight: float) -> "Manifest":
        return cls({name: f"{MEMBERS_DIR}/{name}" for name in names}, baseline_weight)

    @classmethod
    def load(cls, folder: Path) -> "Manifest":
        folder = Path(folder)
        path = folder / MANIFEST_FILE
        if path.is_file():
            payload = read_json(path)
            members = payload.get("members") if isinstance(payload, dict) else None
            weight = payload.get("baseline_weight") if isinstance(payload, dict) else None
            inside = (
                isinstance(members, dict)
                and members
                and all(
                    isinstance(relative, str)
                    and (folder / relative).resolve().is_relative_to(folder.resolve())
                    for relative in members.values()
                )
            )
            if not inside or not isinstance(weight, int | float) or not 0 <= weight < 1:
                raise PipelineError(
                    f"{path} is damaged: expected members (folders inside {folder}) and "
                    "baseline_weight (a number in [0, 1)): re-run dvc repro tune_thresholds"
                )
            return cls(dict(members), float(weight))
        if (folder / "config.json").is_file():  # one fine-tuned model, e.g. models/members/<name>
            return cls({folder.name: "."})
        raise PipelineError(
            f"{folder}: neither a classifier folder ({MANIFEST_FILE}) nor a model folder "
            "(config.json); use models/classifier, made by dvc repro"
        )


def write_classifier(
    target: Path,
    member_folders: dict[str, Path],
    baseline_folder: Path,
    baseline_weight: float,
    rule: decision_rule.DecisionRule,
    rule_details: dict,
    card: str,
) -> None:
    """Write the shipped folder at `target`, whole or not at all: copies of the members' folders
    (averaged equally), of the baseline's where its weight is above 0, the manifest, the rule
    (with `rule_details` beside it in thresholds.json) and the model card."""
    manifest = Manifest.for_members(list(member_folders), baseline_weight)
    with atomic_path(target) as staging:
        staging.mkdir()
        for name, folder in manifest.members.items():
            shutil.copytree(member_folders[name], staging / folder)
        if baseline_weight > 0:
            shutil.copytree(baseline_folder, staging / BASELINE_DIR)
        manifest.save(staging)
        decision_rule.save(staging, rule, rule_details)
        (staging / CARD_FILE).write_text(card, encoding="utf-8")
