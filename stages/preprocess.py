"""Stage preprocess@MEMBER: tokenize with the member's tokenizer, batch by batch (bounded memory)."""

import shutil
import sys
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
from mltc.params import PreprocessConfig, label_aware, member_params, stage_member

ARROW_CACHE = ".arrow."


def main() -> None:
    member = stage_member(sys.argv[1:])
    params = member_params(dvc.api.params_show(stages=f"preprocess@{member}"), member)
    spec = registry.resolve(params["model"], params["trust_remote_code"])
    config = PreprocessConfig.from_params(params)
    tokenizer = load_tokenizer(spec)  # fails fast when the model cannot be reached
    config.check_model_limit(max_positions(spec, tokenizer), spec.alias)
    schema = LabelSchema.load(paths.LABELS)
    encoding = TextEncoding.for_model(config.max_length, label_aware(params), schema.label_names)
    encoding.label_positions(tokenizer)  # fails fast where the label names leave no text room
    # Arrow files converted from the raw splits and the tokenizer's output, removed at the end
    # (and, left by a killed run, at the next start)
    target = paths.member_processed(member)
    for stale in paths.DATA.glob(f"{ARROW_CACHE}{member}.*"):
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f"{ARROW_CACHE}{member}.", dir=paths.DATA) as cache:
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
        with atomic_path(target) as staging:
            processed.save_to_disk(str(staging))
    print(processed)


if __name__ == "__main__":
    run_stage(main)
