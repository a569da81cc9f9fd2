"""mltc.modeling.heads: what head a fine-tuned member folder holds, read from its config.json as
each head saves it, the one answer the model card, distillation and the results table use."""

from pathlib import Path

import pytest
import torch

from mltc.core.errors import PipelineError
from mltc.modeling.build import build_model
from mltc.modeling.heads import ATTENTION, LABEL_AWARE, PLAIN, member_head
from mltc.modeling.registry import REGISTRY


def test_each_head_is_read_back_from_the_config_it_saves(schema, tokenizer, tmp_path: Path):
    torch.manual_seed(0)
    build_model(REGISTRY["tiny"], schema).save_pretrained(tmp_path / "plain")
    aware = build_model(REGISTRY["tiny"], schema, None, [[1]] * len(schema.label_names))
    aware.save_config(tmp_path / "aware")
    attention = build_model(REGISTRY["tiny"], schema, None, None, True, tokenizer)
    attention.save_config(tmp_path / "attention")
    assert [member_head(tmp_path / name) for name in ("plain", "aware", "attention")] == [
        PLAIN, LABEL_AWARE, ATTENTION,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "cannot read it (FileNotFoundError: [Errno 2] No such file or directory: '{path}')"),
        ("{not json", "cannot read it (JSONDecodeError: Expecting property name enclosed in "
                      "double quotes: line 1 column 2 (char 1))"),
        ("[1, 2]", "expected a JSON object"),
    ],
)  # fmt: skip
def test_a_missing_or_damaged_config_is_named_with_how_to_restore_it(tmp_path, content, why):
    path = tmp_path / "config.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(PipelineError) as error:
        member_head(tmp_path)
    remedy = "restore it with dvc checkout, or re-run dvc repro"
    assert str(error.value) == f"{path}: {why.format(path=path)}: {remedy}"
