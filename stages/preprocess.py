"""Stage preprocess: tokenize with the selected model's tokenizer, batch by batch (bounded memory)."""

import shutil
import tempfile

import dvc.api
from datasets import DatasetDict

from mltc import paths
from mltc.data import raw
from mltc.data.labels import LabelSchema
from mltc.data.text import TextEncoding, tokenize_splits
from mltc.errors import run_stage
from mltc.fileio import atomic_path
from mltc.modeling import registry
from mltc.modeling.build import load_tokenizer, max_positions
from mltc.params import PreprocessConfig

ARROW_CACHE = ".arrow."


def main() -> None:
    params = dvc.api.params_show(stages="preprocess")
    spec = registry.resolve(params["model"], params["trust_remote_code"])
    config = PreprocessConfig.from_params(params)
    tokenizer = load_tokenizer(spec)  # fails fast when the model cannot be reached
    config.check_model_limit(max_positions(spec, tokenizer), spec.alias)
    schema = LabelSchema.load(paths.LABELS)
    encoding = TextEncoding(config.max_length)
    # Arrow files converted from the raw splits and the tokenizer's output, removed at the end
    # (and, left by a killed run, at the next start)
    for stale in paths.PROCESSED.parent.glob(f"{ARROW_CACHE}*"):
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=ARROW_CACHE, dir=paths.PROCESSED.parent) as cache:
        splits = DatasetDict(
            {split: raw.split_dataset(split, cache) for split in raw.available_splits()}
        )
        for split, dataset in splits.items():
            count = raw.label_count(dataset)
            if count is not None:  # the label count must be labels.json's
                schema.check_label_count(count, str(paths.raw_split(split)))
        processed, truncated = tokenize_splits(splits, tokenizer, encoding, config.num_proc)
        for split, count in truncated.items():
            if count:
                print(
                    f"{split}: {count} of {len(processed[split])} texts are longer than "
                    f"{config.max_length} tokens and are truncated"
                )
        with atomic_path(paths.PROCESSED) as staging:
            processed.save_to_disk(str(staging))
    print(processed)


if __name__ == "__main__":
    run_stage(main)
