"""The Hub source, run offline on a local folder in the layout of the Hub's parquet conversion of
SemEval-2018 E-c (`subtask5.english/{train,validation,test}-00000-of-00001.parquet`)."""

import pytest

from conftest import data_config, read_data
from mltc.core.errors import PipelineError

HUB_COLUMNS = {"id": "ID", "text": "Tweet"}


@pytest.fixture(scope="module")
def hub_folder(tmp_path_factory, semeval_slice):
    root = tmp_path_factory.mktemp("hub")
    (root / "subtask5.english").mkdir()
    for split, data in semeval_slice.splits.items():
        frame = data.frame().rename(columns={"id": "ID", "text": "Tweet"}).drop(columns="labels")
        for index, name in enumerate(semeval_slice.schema.label_names):
            frame[name] = data.gold[:, index].astype(bool)  # the Hub copy has boolean columns
        frame.to_parquet(root / "subtask5.english" / f"{split}-00000-of-00001.parquet")
    return root


def test_a_hub_layout_folder_loads_like_the_release(hub_folder, semeval_slice):
    config = data_config(
        source="hub", path=str(hub_folder),
        hub={"dataset": str(hub_folder), "data_dir": "subtask5.english"},
        columns=HUB_COLUMNS,
    )  # fmt: skip
    loaded = read_data(config)
    assert loaded.schema.label_names == semeval_slice.schema.label_names
    for split, data in semeval_slice.splits.items():
        assert loaded.splits[split].ids.tolist() == data.ids.tolist()
        assert loaded.splits[split].gold.tolist() == data.gold.tolist()
    assert loaded.schema.layout.file_format == "parquet"


def test_an_unreachable_hub_dataset_names_it_and_the_offline_choices(tmp_path):
    config = data_config(
        source="hub", path=str(tmp_path),
        hub={"dataset": "SemEvalWorkshop/sem_eval_2018_task_1", "data_dir": "subtask5.english",
             "revision": "refs/convert/parquet"},
    )  # fmt: skip
    with pytest.raises(PipelineError) as error:
        read_data(config)
    message = str(error.value)
    assert (
        "could not load SemEvalWorkshop/sem_eval_2018_task_1 (config None, data_dir subtask5.english"
        in message
    )
    assert "data.source=files" in message
