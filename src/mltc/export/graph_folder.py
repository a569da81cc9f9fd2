"""An exported member's folder: `model.onnx` (token ids in, probabilities out), its int8 variant,
the tokenizer's `tokenizer.json`, `text_encoding.json`, and `onnx_member.json` (the graph's input
names, how a batch is padded, the label order). JSON and ONNX protobuf only: nothing here runs
code when read."""

from dataclasses import asdict, dataclass
from pathlib import Path

from mltc.core.errors import PipelineError
from mltc.core.files import read_json, write_json

GRAPH_FILE = "model.onnx"
INT8_GRAPH_FILE = "model.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
SPEC_FILE = "onnx_member.json"
OUTPUT_NAME = "probabilities"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")  # what a graph may take
OPSET = 17
REMEDY = "re-run dvc repro export, or restore the folder with dvc checkout"


def graph_file(int8: bool) -> str:
    return INT8_GRAPH_FILE if int8 else GRAPH_FILE


@dataclass(frozen=True)
class GraphSpec:
    input_names: tuple[str, ...]  # the graph's inputs, in order
    pad_token_id: int  # input_ids of padding (attention_mask 0, token_type_ids 0)
    label_names: tuple[str, ...]  # the order of the graph's probability columns

    def save(self, folder: Path) -> None:
        write_json(Path(folder) / SPEC_FILE, asdict(self))

    @classmethod
    def load(cls, folder: Path) -> "GraphSpec":
        path = Path(folder) / SPEC_FILE
        if not path.is_file():
            raise PipelineError(f"{folder} has no {SPEC_FILE}: not an exported member; {REMEDY}")
        payload = read_json(path)
        payload = payload if isinstance(payload, dict) else {}
        inputs, pad, labels = (payload.get(key) for key in ("input_names", "pad_token_id",
                                                             "label_names"))  # fmt: skip
        if (
            set(payload) != {"input_names", "pad_token_id", "label_names"}
            or not isinstance(inputs, list)
            or "input_ids" not in inputs
            or not set(inputs) <= set(INPUT_NAMES)
            or isinstance(pad, bool)
            or not isinstance(pad, int)
            or not isinstance(labels, list)
            or not labels
            or not all(isinstance(name, str) for name in labels)
        ):
            raise PipelineError(
                f"{path} is damaged: expected input_names (of {', '.join(INPUT_NAMES)}), "
                f"pad_token_id (an integer) and label_names (a list of names); {REMEDY}"
            )
        return cls(tuple(inputs), pad, tuple(labels))
