"""What a model's files give without building the model: its tokenizer, the longest input it
accepts, and whether a local folder is complete. It imports no model class, so a stage that only
tokenizes starts sooner."""

from pathlib import Path

from transformers import AutoConfig, AutoTokenizer, PreTrainedTokenizerBase

from mltc.core.errors import PipelineError, first_line
from mltc.modeling.registry import OFFLINE_ALIASES, ModelSpec, weights_location

UNBOUNDED_LENGTH = 1_000_000  # tokenizers report ~1e30 when they set no limit
WEIGHTS_FILE = "model.safetensors"
WEIGHTS_FILES = (WEIGHTS_FILE, "model.safetensors.index.json")  # the only weights read
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt")


def cannot_load(spec: ModelSpec, error: Exception) -> PipelineError:
    """A Hub model gets the offline hint; a local or packaged folder, what is wrong with it."""
    if spec.source != "hub":
        return PipelineError(
            f"model={spec.alias}: cannot load {weights_location(spec)} ({first_line(error)})"
        )
    return PipelineError(
        f"model={spec.alias}: cannot load '{weights_location(spec)}' ({first_line(error)}). "
        f"Without the Hugging Face Hub use an offline model: "
        f"model={' or model='.join(OFFLINE_ALIASES)}, or the path of a local folder"
    )


def check_model_folder(folder: Path, remedy: str) -> None:
    """A local model folder must hold a config, safetensors weights and a tokenizer; say which
    is missing (weights are read only from safetensors: pickled .bin files can run code)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PipelineError(f"{folder} holds no model: {remedy}")
    missing = [] if (folder / "config.json").is_file() else ["config.json"]
    if not any((folder / name).is_file() for name in WEIGHTS_FILES):
        missing.append("model.safetensors (weights are read only from safetensors)")
    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        missing.append(f"a tokenizer ({' or '.join(TOKENIZER_FILES)})")
    if missing:
        raise PipelineError(f"{folder} is incomplete: missing {'; '.join(missing)}: {remedy}")


def load_tokenizer(spec: ModelSpec) -> PreTrainedTokenizerBase:
    """The model's tokenizer; fails fast, naming the Hub id and offline choices, when it cannot
    be reached."""
    if spec.source == "local":
        check_model_folder(Path(spec.location), "point model at a complete Hugging Face folder")
    try:
        return AutoTokenizer.from_pretrained(
            weights_location(spec), trust_remote_code=spec.trust_remote_code
        )
    except (OSError, ValueError) as error:
        raise cannot_load(spec, error) from error


def max_positions(spec: ModelSpec, tokenizer: PreTrainedTokenizerBase) -> int:
    """The longest input (in tokens) the model accepts."""
    if spec.source == "config":
        limit = spec.config["max_position_embeddings"]
    else:
        config = AutoConfig.from_pretrained(
            weights_location(spec), trust_remote_code=spec.trust_remote_code
        )
        limit = getattr(config, "max_position_embeddings", UNBOUNDED_LENGTH)
        if config.model_type in {"roberta", "xlm-roberta", "camembert"}:
            limit -= 2  # RoBERTa reserves two positions for the padding offset
    if tokenizer.model_max_length < UNBOUNDED_LENGTH:
        limit = min(limit, tokenizer.model_max_length)
    return limit
