"""docs/params.md is generated from params.yaml's comments: one place documents each param."""

from conftest import REPO_ROOT
from mltc.core.markdown import replace_section
from mltc.pipeline import params_reference

SAMPLE = """\
# Model: an alias
model: minilm   # every member fine-tunes it
train:                     # Trainer settings
  epochs: 5                # passes over the data
                           # (the best one is kept)
  seed: 42

ensemble:
  members:
    plain: {}
"""


def test_each_key_gets_its_dotted_name_default_and_comment():
    assert params_reference.param_rows(SAMPLE) == [
        ("model", "minilm", "Model: an alias every member fine-tunes it"),
        ("train", "", "Trainer settings"),
        ("train.epochs", "5", "passes over the data (the best one is kept)"),
        ("train.seed", "42", ""),
        ("ensemble", "", ""),
        ("ensemble.members", "", ""),
        ("ensemble.members.plain", "{}", ""),
    ]


def test_the_committed_page_is_the_one_params_yaml_generates():
    page = (REPO_ROOT / params_reference.PAGE).read_text(encoding="utf-8")
    table = params_reference.params_table(
        (REPO_ROOT / params_reference.PARAMS).read_text(encoding="utf-8")
    )
    assert page == replace_section(page, params_reference.SECTION, table), "run make docs"
