"""A dataset from the Hugging Face Hub, by id, config and revision (or a local folder in the same
layout, which is how the tests run it offline)."""

import pandas as pd

from mltc.core.errors import PipelineError, first_line
from mltc.core.split_files import split_name


def read_hub(
    dataset: str, config: str | None, data_dir: str | None, revision: str | None
) -> dict[str, pd.DataFrame]:
    """Every split the dataset has (dev/valid/val named validation), as DataFrames."""
    import datasets

    where = f"{dataset} (config {config}, data_dir {data_dir}, revision {revision})"
    try:
        loaded = datasets.load_dataset(dataset, name=config, data_dir=data_dir, revision=revision)
    except Exception as error:
        raise PipelineError(
            f"data.source=hub: could not load {where}: {first_line(error)}. Offline, use local files "
            "(data.source=files) or a local folder in the Hub's layout as data.hub.dataset"
        ) from error
    frames = {split_name(split): loaded[split].to_pandas() for split in loaded}
    if None in frames or "train" not in frames:
        raise PipelineError(
            f"{where} has splits {sorted(loaded)}; expected train, and optionally validation "
            "and test"
        )
    return frames
