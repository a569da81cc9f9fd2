"""Stage distill: the shipped ensemble distilled into one member, the student, which ships alone as
models/student and serves at one model's cost (docs/ensembles.md, "Distillation").

The student trains as member `distill.member` (null: the first) trains (its model, train params
and text encoding), with its own seed, on (1 - w) * gold + w * the teacher's probabilities of each
training text; the teacher is models/classifier with its baseline made out of fold on train
(mltc.distill.teacher). Its epoch and rule are chosen on validation, as the ensemble's are. Off by
default (`distill.enabled: false`): the stage then only records that it is off.
"""

import contextlib
import shutil

from mltc.core import paths
from mltc.core.files import atomic_path, write_json
from mltc.distill.config import DistillConfig

OFF_NOTE = (
    "# No student\n\ndistill.enabled is false: the ensemble was not distilled. "
    '`dvc exp run -S distill.enabled=true` trains one (docs/ensembles.md, "Distillation").\n'
)


def remove_leftovers() -> None:
    """The student's checkpoints and its weights outside models/student, and models/checkpoints
    when nothing else is in it."""
    for leftover in (paths.STUDENT_CHECKPOINTS, paths.STUDENT_WEIGHTS):
        shutil.rmtree(leftover, ignore_errors=True)
    with contextlib.suppress(OSError):
        paths.CHECKPOINTS.rmdir()


def write_disabled() -> None:
    """distill.enabled: false: the outputs dvc.yaml declares, saying that nothing was distilled
    (and no checkpoint of an interrupted student left behind)."""
    remove_leftovers()
    with atomic_path(paths.STUDENT) as staging:
        staging.mkdir()
        (staging / "README.md").write_text(OFF_NOTE, encoding="utf-8")
    write_json(paths.DISTILL_METRICS, {"enabled": False})
    print("distill: distill.enabled is false, no student trained")


def run(params: dict) -> None:
    """Off (the default): the outputs that say so. On: the student trained, tuned, shipped and
    compared with the ensemble (mltc.distill.student)."""
    config = DistillConfig.from_params(params)
    if not config.enabled:
        write_disabled()
        return
    # imported only when on: the student's libraries (torch, transformers, scikit-learn) take
    # seconds to import, which the default, disabled stage does not pay at every `dvc repro`
    from mltc.distill import student

    student.run(params, config)
    remove_leftovers()  # the student's weights, now inside models/student
