"""Stage preprocess@MEMBER: tokenize with the member's tokenizer, batch by batch (bounded memory)."""

import shutil
import tempfile

from datasets import DatasetDict

from mltc.core import paths, split_files
from mltc.core.files import atomic_path
from mltc.core.labels import LabelSchema
from mltc.core.text import TextEncoding
from mltc.core.tokenized import tokenize_splits
from mltc.modeling import registry
from mltc.modeling.config import PreprocessConfig, label_aware
from mltc.modeling.input_choice import member_encoding
from mltc.modeling.members import member_params
from mltc.modeling.model_files import load_tokenizer, max_positions

ARROW_CACHE = ".arrow."


def reads(encoding: TextEncoding) -> str:
    """How much of a text the member reads, for the log."""
    if encoding.windows is None:
        return f"{encoding.max_length} tokens (preprocess.long_texts: windows reads further)"
    return (f"{encoding.windows.max_windows} windows of {encoding.max_length} tokens "
            "(preprocess.windows.max_windows)")  # fmt: skip


def run(params: dict, member: str) -> None:
    """Tokenize the raw splits as member `member` reads them, into data/processed/<member>."""
    params = member_params(params, member)
    spec = registry.resolve(params["model"], params["trust_remote_code"])
    config = PreprocessConfig.from_params(params)
    tokenizer = load_tokenizer(spec)  # fails fast when the model cannot be reached
    config.check_model_limit(max_positions(spec, tokenizer), spec.alias)
    schema = LabelSchema.load(paths.LABELS)
    encoding, choice = member_encoding(config, label_aware(params), schema.label_names, tokenizer)
    print(f"{member}: {choice.reason}")
    # Arrow files converted from the raw splits and the tokenizer's output, removed at the end
    # (and, left by a killed run, at the next start)
    target = paths.member_processed(member)
    for stale in paths.DATA.glob(f"{ARROW_CACHE}{member}.*"):
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f"{ARROW_CACHE}{member}.", dir=paths.DATA) as cache:
        splits = DatasetDict(
            {
                split: split_files.split_dataset(split, cache)
                for split in split_files.available_splits()
            }
        )
        for split, dataset in splits.items():
            count = split_files.label_count(dataset)
            if count is not None:  # the label count must be labels.json's
                schema.check_label_count(count, str(paths.raw_split(split)))
        processed, truncated = tokenize_splits(splits, tokenizer, encoding, config.num_proc)
        for split, count in truncated.items():
            if count:
                print(f"{split}: {count} of {len(processed[split])} texts are longer than "
                      f"{reads(encoding)} and are cut there")  # fmt: skip
        with atomic_path(target) as staging:
            processed.save_to_disk(str(staging))
    print(processed)
