"""`audit` of params.yaml: how the out-of-fold probabilities behind the label audit are made."""

from dataclasses import dataclass
from typing import Any

from mltc.core.validation import integer, one_of, params_section

# baseline: the TF-IDF baseline refitted on K-1 folds, K times (minutes on a CPU); members: each
# ensemble member fine-tuned K times (hours on a CPU, minutes on a GPU), probabilities averaged;
# none: no audit (data too large for K fits to be worth it), empty outputs
AUDIT_MODELS = ("baseline", "members", "none")


@dataclass(frozen=True)
class AuditConfig:
    folds: int  # K: each labelled text is scored by a model fitted on the other K-1 folds
    model: str  # what is fitted on each fold (AUDIT_MODELS)
    seed: int  # of the fold assignment and the model
    examples_per_label: int  # texts shown per label and direction in label_issues.md

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "AuditConfig":
        section = params_section(params, "audit")
        return cls(
            folds=integer("audit", "folds", section.get("folds"), minimum=2),
            model=one_of("audit", "model", section.get("model"), AUDIT_MODELS),
            seed=integer("audit", "seed", section.get("seed"), minimum=0),
            examples_per_label=integer(
                "audit", "examples_per_label", section.get("examples_per_label"), minimum=0
            ),
        )
