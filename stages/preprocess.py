"""Stage preprocess: tokenize with the selected model's tokenizer, build the label matrix."""

import dvc.api

from mltc import paths, registry
from mltc.errors import run_stage
from mltc.features import load_raw_splits, tokenize_splits
from mltc.fileio import atomic_path
from mltc.labels import LabelSchema
from mltc.modeling import load_tokenizer, max_positions
from mltc.params import PreprocessConfig


def main() -> None:
    params = dvc.api.params_show(stages="preprocess")
    spec = registry.resolve(params["model"])
    config = PreprocessConfig.from_params(params)
    tokenizer = load_tokenizer(spec)  # fails fast when the model cannot be reached
    config.check_model_limit(max_positions(spec, tokenizer), spec.alias)
    schema = LabelSchema.load(paths.LABELS)
    processed = tokenize_splits(load_raw_splits(), tokenizer, config.max_length, schema)
    with atomic_path(paths.PROCESSED) as staging:
        processed.save_to_disk(str(staging))
    print(processed)


if __name__ == "__main__":
    run_stage(main)
