"""A fine-tuned member folder written as an ONNX graph (torch.onnx, TorchScript tracing), plain,
label-aware and label-attention members alike: token ids in, sigmoid probabilities out, batch and
length dynamic."""

import logging
import shutil
import warnings
from pathlib import Path

import onnx
import torch
from transformers import DataCollatorWithPadding

from mltc.core.errors import PipelineError
from mltc.core.labels import model_label_names
from mltc.core.text import ENCODING_FILE, TextEncoding
from mltc.export.graph_folder import (
    GRAPH_FILE,
    INPUT_NAMES,
    INT8_GRAPH_FILE,
    OPSET,
    OUTPUT_NAME,
    TOKENIZER_FILE,
    GraphSpec,
)
from mltc.modeling.build import load_classifier
from mltc.modeling.chunking import flatten_windows

# two texts of different lengths: the traced graph sees padding, so the mask path is exported
EXAMPLE_TEXTS = ("an example", "a longer example text, so that the batch holds some padding")


class _Probabilities(torch.nn.Module):
    """The classifier with its inputs by position and a sigmoid on its logits."""

    def __init__(self, model: torch.nn.Module, input_names: tuple[str, ...]) -> None:
        super().__init__()
        self.model = model
        self.input_names = input_names

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.model(**dict(zip(self.input_names, inputs, strict=True))).logits)


def export_member(source: Path, target: Path, trust_remote_code: bool = False) -> None:
    """Write `target` (a new folder): the graph of the member at `source`, in fp32 with the
    attention written out (eager), its tokenizer.json, text encoding and GraphSpec."""
    source, target = Path(source), Path(target)
    model, tokenizer = load_classifier(source, trust_remote_code)
    if (
        not (source / TOKENIZER_FILE).is_file()
        or tokenizer.padding_side != "right"
        or tokenizer.truncation_side != "right"
        or tokenizer.pad_token_id is None
    ):
        raise PipelineError(
            f"{source}: the export needs a fast tokenizer's {TOKENIZER_FILE}, a pad token, and "
            "padding and truncation on the right (the runtime pads and cuts as transformers "
            "does there); this model's tokenizer has not"
        )
    encoding = TextEncoding.load(source)
    input_names = tuple(name for name in INPUT_NAMES if name in tokenizer.model_input_names)
    encoded = encoding.encode(tokenizer, EXAMPLE_TEXTS)
    if encoding.windows is not None:  # the graph scores windows; the runtime pools them
        encoded, _ = flatten_windows(encoded)
    batch = DataCollatorWithPadding(tokenizer, return_tensors="pt")(
        [
            {name: values[row] for name, values in encoded.items()}
            for row in range(len(encoded["input_ids"]))
        ]
    )
    model.set_attn_implementation("eager")  # sdpa's mask is traced as a constant shape
    wrapped = _Probabilities(model.float().eval(), input_names)
    dynamic = {name: {0: "batch", 1: "tokens"} for name in input_names}
    target.mkdir(parents=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings on shape checks; parity is measured
        torch.onnx.export(
            wrapped,
            tuple(batch[name] for name in input_names),
            str(target / GRAPH_FILE),
            input_names=list(input_names),
            output_names=[OUTPUT_NAME],
            dynamic_axes={**dynamic, OUTPUT_NAME: {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )
    shutil.copy2(source / TOKENIZER_FILE, target / TOKENIZER_FILE)
    shutil.copy2(source / ENCODING_FILE, target / ENCODING_FILE)
    graph_inputs = tuple(value.name for value in onnx.load(str(target / GRAPH_FILE)).graph.input)
    GraphSpec(  # the inputs the graph kept (the tracer drops one the model never reads)
        graph_inputs, int(tokenizer.pad_token_id), tuple(model_label_names(model.config.id2label))
    ).save(target)


def quantize_member(folder: Path) -> None:
    """Write the int8 graph beside the fp32 one: onnxruntime's dynamic quantisation (int8
    weights, one scale per output channel; activations quantised per batch at run time). Per
    channel halved the mean probability change against per tensor on a SemEval MiniLM, at the
    same speed; onnxruntime's shape pre-processing changed neither."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    disabled = logging.root.manager.disable
    logging.disable(max(disabled, logging.WARNING))  # its advice to pre-process, on every call
    try:
        quantize_dynamic(
            Path(folder) / GRAPH_FILE, Path(folder) / INT8_GRAPH_FILE,
            weight_type=QuantType.QInt8, per_channel=True,
        )  # fmt: skip
    finally:
        logging.disable(disabled)
