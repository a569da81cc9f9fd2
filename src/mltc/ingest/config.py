"""`data` of params.yaml: where the texts and labels are and how to read them."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mltc.core.errors import PipelineError
from mltc.core.tables import FILE_FORMATS
from mltc.core.validation import (
    flag,
    integer,
    name_list,
    number,
    one_of,
    optional_name,
    params_section,
)
from mltc.ingest.corrections import correction_file
from mltc.ingest.label_formats import LABEL_FORMATS, LabelSpec
from mltc.ingest.semeval import LANGUAGE_CODES

DATA_SOURCES = ("semeval", "files", "hub")


EMPTY_TEXT_ACTIONS = ("error", "drop")


@dataclass(frozen=True)
class DataConfig:
    """`data` of params.yaml: where the texts and labels are and how to read them."""

    source: str
    path: Path
    language: str
    files: dict[str, str | None]
    file_format: str
    header: bool
    split_column: str | None
    hub_dataset: str | None
    hub_config: str | None
    hub_data_dir: str | None
    hub_revision: str | None
    id_column: str | None
    text_column: str
    labels: LabelSpec
    validation_fraction: float
    test_fraction: float
    split_seed: int
    empty_text: str
    max_rows: int | None
    rare_below: int = 0  # a label with fewer positives in train or validation is flagged rare
    exclude: Path | None = None  # data.corrections.exclude: ids left out of train and validation
    relabel: Path | None = None  # data.corrections.relabel: ids with corrected labels

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "DataConfig":
        section = params_section(params, "data")

        def sub(name: str) -> dict[str, Any]:
            value = section.get(name) or {}
            if not isinstance(value, dict):
                raise PipelineError(f"data.{name}: expected a mapping, got {value!r}")
            return value

        files, hub, columns, labels, split, corrections = (
            sub(name) for name in ("files", "hub", "columns", "labels", "split", "corrections")
        )
        header = flag("data.files", "header", files.get("header", True))
        names_file = optional_name("data.labels", "names_file", labels.get("names_file"))
        delimiter = labels.get("delimiter", " ")
        if not isinstance(delimiter, str) or not delimiter:
            raise PipelineError(f"data.labels.delimiter={delimiter!r}: expected a non-empty string")

        def fraction(split_name: str) -> float:
            """The share of the training data split off as `split_name` when it is missing."""
            value = split.get(split_name, 0.1)
            return number(
                "data.split", split_name, value, lambda v: 0 <= v < 1, "a number in [0, 1)"
            )

        text_column = optional_name("data.columns", "text", columns.get("text", "text"))
        if text_column is None:
            raise PipelineError("data.columns.text is null: name the column that holds the texts")
        config = cls(
            source=one_of("data", "source", section.get("source"), DATA_SOURCES),
            path=Path(str(section.get("path"))),
            language=one_of(
                "data.semeval",
                "language",
                sub("semeval").get("language", "English"),
                tuple(LANGUAGE_CODES),
            ),
            files={
                split: optional_name("data.files", split, files.get(split))
                for split in ("train", "validation", "test")
            },
            file_format=one_of(
                "data.files", "format", files.get("format", "auto"), ("auto", *FILE_FORMATS)
            ),
            header=header,
            split_column=optional_name("data.files", "split_column", files.get("split_column")),
            hub_dataset=optional_name("data.hub", "dataset", hub.get("dataset")),
            hub_config=optional_name("data.hub", "config", hub.get("config")),
            hub_data_dir=optional_name("data.hub", "data_dir", hub.get("data_dir")),
            hub_revision=optional_name("data.hub", "revision", hub.get("revision")),
            id_column=optional_name("data.columns", "id", columns.get("id")),
            text_column=text_column,
            labels=LabelSpec(
                format=one_of("data.labels", "format", labels.get("format", "auto"), LABEL_FORMATS),
                columns=name_list("data.labels", "columns", labels.get("columns")),
                column=str(labels.get("column", "labels")),
                delimiter=delimiter,
                names=name_list("data.labels", "names", labels.get("names")),
                names_file=Path(names_file) if names_file else None,
            ),
            validation_fraction=fraction("validation"),
            test_fraction=fraction("test"),
            split_seed=integer("data.split", "seed", split.get("seed", 42), minimum=0),
            empty_text=one_of(
                "data", "empty_text", section.get("empty_text", "error"), EMPTY_TEXT_ACTIONS
            ),
            max_rows=integer("data", "max_rows", section.get("max_rows"), allow_none=True),
            rare_below=integer("data", "rare_below", section.get("rare_below", 0), minimum=0),
            exclude=correction_file(
                "exclude", optional_name("data.corrections", "exclude", corrections.get("exclude"))
            ),
            relabel=correction_file(
                "relabel", optional_name("data.corrections", "relabel", corrections.get("relabel"))
            ),
        )
        if config.validation_fraction + config.test_fraction >= 1:
            raise PipelineError(
                f"data.split.validation + data.split.test = "
                f"{config.validation_fraction + config.test_fraction}: must be below 1"
            )
        if not config.path.exists():
            raise PipelineError(
                f"data.path={str(config.path)!r} does not exist (paths are relative to the project "
                "root): point it at your data file or folder"
            )
        if config.source == "hub" and config.hub_dataset is None:
            raise PipelineError(
                "data.source=hub needs data.hub.dataset (a Hub id or a local folder)"
            )
        return config
