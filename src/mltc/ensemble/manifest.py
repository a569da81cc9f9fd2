"""`ensemble.json` in the shipped classifier folder: which member folders it averages and the
baseline's weight. A plain fine-tuned model folder (a member's own) reads as a one-member
ensemble, so `Predictor` and `predict` load either."""

from dataclasses import dataclass
from pathlib import Path

from mltc.errors import PipelineError
from mltc.fileio import read_json, write_json

MANIFEST_FILE = "ensemble.json"
MEMBERS_DIR = "members"
BASELINE_DIR = "baseline"


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
            return cls(dict(payload["members"]), float(payload["baseline_weight"]))
        if (folder / "config.json").is_file():  # one fine-tuned model, e.g. models/members/<name>
            return cls({folder.name: "."})
        raise PipelineError(
            f"{folder}: neither a classifier folder ({MANIFEST_FILE}) nor a model folder "
            "(config.json); use models/classifier, made by dvc repro"
        )
