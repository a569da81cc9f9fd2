"""Stage preprocess: tokenize with the selected model's tokenizer, build the label matrix."""

import dvc.api
from datasets import Dataset, DatasetDict

from mltc import paths
from mltc.data import raw
from mltc.data.labels import LabelSchema
from mltc.data.text import TextEncoding, tokenize_splits
from mltc.errors import run_stage
from mltc.fileio import atomic_path
from mltc.modeling import registry
from mltc.modeling.build import load_tokenizer, max_positions
from mltc.params import PreprocessConfig


def main() -> None:
    params = dvc.api.params_show(stages="preprocess")
    spec = registry.resolve(params["model"], params["trust_remote_code"])
    config = PreprocessConfig.from_params(params)
    tokenizer = load_tokenizer(spec)  # fails fast when the model cannot be reached
    config.check_model_limit(max_positions(spec, tokenizer), spec.alias)
    schema = LabelSchema.load(paths.LABELS)
    frames = {split: raw.read_split(split) for split in raw.available_splits()}
    for split, frame in frames.items():
        raw.gold_matrix(frame, schema, split)  # the label count must be labels.json's
    encoding = TextEncoding(config.max_length)
    for split, frame in frames.items():
        truncated = encoding.count_truncated(tokenizer, frame["text"].tolist())
        if truncated:
            print(
                f"{split}: {truncated} of {len(frame)} texts are longer than {config.max_length} tokens and are truncated"
            )
    datasets = DatasetDict(
        {split: Dataset.from_pandas(frame, preserve_index=False) for split, frame in frames.items()}
    )
    processed = tokenize_splits(datasets, tokenizer, encoding)
    with atomic_path(paths.PROCESSED) as staging:
        processed.save_to_disk(str(staging))
    print(processed)


if __name__ == "__main__":
    run_stage(main)
