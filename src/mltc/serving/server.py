"""`serve`: the shipped classifier over HTTP (FastAPI on uvicorn), loaded once.

    POST /predict   {"texts": [...], "threshold": 0.4, "return_probabilities": true}
    GET  /health, /labels, /metadata; the OpenAPI schema at /openapi.json, its page at /docs

Texts of concurrent requests are scored together: those that arrived while the last batch was
scored form the next one (up to `max_batch` texts, and `max_wait_ms` longer if asked), so that
many small requests do not each pay a forward pass and a lone text waits for nothing. Bad
requests get a 4xx with a JSON `detail` naming the problem, and the server goes on serving.
"""

import argparse
import asyncio
import contextlib
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from mltc.core.errors import PipelineError, run_stage
from mltc.core.files import read_json
from mltc.core.text import TextEncoding
from mltc.decision import rule as decision_rule
from mltc.decision.threshold_range import THRESHOLD_RANGE
from mltc.ensemble.classifier_folder import CARD_FILE, Manifest
from mltc.modeling.hardware import PRECISIONS
from mltc.serving.backends import BACKENDS, DEFAULT_MODEL, model_folder
from mltc.serving.predictor import Predictor

if TYPE_CHECKING:
    import uvicorn

MODEL_ENV = "MLTC_MODEL"  # the classifier folder, for `uvicorn --factory ...:app_from_environment`
BACKEND_ENV = "MLTC_BACKEND"  # torch (default) or onnx, likewise


@dataclass(frozen=True)
class Limits:
    """What one request may carry, and how requests are batched together."""

    max_texts: int = 256  # texts per request
    max_chars: int = 20_000  # characters per text (longer: 413; the model reads max_length tokens, or max_windows windows)
    max_body_bytes: int = 2_000_000  # bytes per request body
    refuse_truncated: bool = False  # a text the model would truncate: 422 instead of truncated
    max_batch: int = 64  # texts scored together, across requests
    max_wait_ms: float = 0.0  # how long a batch waits for more texts (0: texts that arrived
    # while the last batch was scored form the next one, and a lone text is scored at once)
    max_queued: int = 1024  # texts waiting to be scored; more: 503 with Retry-After

    def __post_init__(self) -> None:
        if self.max_queued < self.max_texts:
            raise PipelineError(
                f"--max-queued {self.max_queued} is below --max-texts {self.max_texts}: a full "
                "request could never be scored; raise --max-queued"
            )


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[StrictStr] = Field(min_length=1, description="the texts, labelled in this order")
    threshold: float | None = Field(
        default=None,
        ge=THRESHOLD_RANGE[0],
        le=THRESHOLD_RANGE[1],
        description="one threshold for every label instead of the rule",
    )
    return_probabilities: bool = Field(default=True, description="every label's probability")


class Prediction(BaseModel):
    labels: list[str]
    probabilities: dict[str, float] | None = None


class PredictResponse(BaseModel):
    predictions: list[Prediction]


class Busy(Exception):
    """More texts are waiting to be scored than the server queues: answered 503."""


class Batcher:
    """Scores the texts of concurrent requests together in one worker thread; at most
    `max_queued` texts wait, so that a burst gets a quick 503 instead of ever longer waits."""

    def __init__(
        self, score: Callable[[list[str]], np.ndarray], max_batch: int, max_wait_s: float,
        max_queued: int,
    ) -> None:  # fmt: skip
        self.score, self.max_batch, self.max_wait_s = score, max_batch, max_wait_s
        self.max_queued, self.queued = max_queued, 0
        self.queue: asyncio.Queue[tuple[list[str], asyncio.Future]] = asyncio.Queue()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mltc-scoring")

    def check_room(self, texts: list[str]) -> None:
        """Busy where the texts would put more than max_queued texts in the queue."""
        if self.queued + len(texts) > self.max_queued:
            raise Busy(
                f"the server is busy: {self.queued} texts are waiting to be scored, at most "
                f"{self.max_queued} may (--max-queued); retry shortly"
            )

    async def probabilities(self, texts: list[str]) -> np.ndarray:
        self.check_room(texts)
        self.queued += len(texts)
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((texts, future))
        return await future

    async def _next(self) -> tuple[list[str], asyncio.Future]:
        return self._taken(await self.queue.get())

    def _taken(self, request: tuple[list[str], asyncio.Future]) -> tuple[list[str], asyncio.Future]:
        self.queued -= len(request[0])
        return request

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._next()]
            size, deadline = len(batch[0][0]), loop.time() + self.max_wait_s
            while size < self.max_batch:
                if not self.queue.empty():  # what arrived while the last batch was scored
                    batch.append(self._taken(self.queue.get_nowait()))
                elif (left := deadline - loop.time()) > 0:
                    try:
                        batch.append(await asyncio.wait_for(self._next(), left))
                    except asyncio.TimeoutError:
                        break
                else:
                    break
                size += len(batch[-1][0])
            texts = [text for request, _ in batch for text in request]
            try:
                probs = await loop.run_in_executor(self.executor, self.score, texts)
            except Exception:  # score each request alone: an error stays with its own request
                for request, future in batch:
                    await self._score_alone(request, future)
                continue
            start = 0
            for request, future in batch:
                if not future.done():  # a client that went away leaves a cancelled future
                    future.set_result(probs[start : start + len(request)])
                start += len(request)

    async def _score_alone(self, texts: list[str], future: asyncio.Future) -> None:
        try:
            probs = await asyncio.get_running_loop().run_in_executor(
                self.executor, self.score, texts
            )
        except Exception as error:
            if not future.done():
                future.set_exception(error)
        else:
            if not future.done():
                future.set_result(probs)

    async def in_scoring_thread(self, function: Callable, *args):
        """Run `function` in the scoring thread: the tokenizers are never used by two threads."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)


class RequestBody:
    """ASGI middleware: reads a request's body first, bounded by `max_bytes` (413 over it, before
    the app sees it), and refuses one that is not UTF-8 (400, naming the byte); the app then
    gets the body as sent."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(send, 413, self._too_large())
        parts, size, message = [], 0, {"more_body": True}
        while message.get("more_body"):
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return None
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            if size > self.max_bytes:
                return await self._refuse(send, 413, self._too_large())
        body = b"".join(parts)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as error:
            detail = f"the request body is not UTF-8 (byte {error.start}: {body[error.start]:#04x})"
            return await self._refuse(send, 400, detail)
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _too_large(self) -> str:
        return f"the request body is over {self.max_bytes} bytes (--max-body-bytes)"

    @staticmethod
    async def _refuse(send, status: int, detail: str) -> None:
        await JSONResponse({"detail": detail}, status_code=status)({"type": "http"}, None, send)


def check_texts(texts: Sequence[str], limits: Limits) -> None:
    """The request's texts against the limits: the first problem found, as an HTTP error."""
    if len(texts) > limits.max_texts:
        raise HTTPException(
            413, f"{len(texts)} texts: at most {limits.max_texts} a request (--max-texts)"
        )
    for index, text in enumerate(texts):
        if not text.strip():
            raise HTTPException(422, f"texts[{index}] is empty: every text needs some content")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise HTTPException(
                422,
                f"texts[{index}] is not valid Unicode ({error.reason} at character {error.start})",
            ) from error
        if len(text) > limits.max_chars:
            raise HTTPException(
                413,
                f"texts[{index}] has {len(text)} characters: at most {limits.max_chars} "
                "(--max-chars)",
            )


def create_app(predictor: Predictor, model_dir: Path, limits: Limits = Limits()) -> "RequestBody":
    """The HTTP app (FastAPI, inside the body-checking middleware) around a loaded Predictor."""
    names = list(predictor.label_names)
    member_names = list(Manifest.load(model_dir).members)
    metadata = {
        "model": str(model_dir),
        "backend": predictor.backend,
        "labels": names,
        "rule": {**predictor.rule.to_dict(), **_tuning(model_dir)},
        "members": member_names,
        "baseline_weight": predictor.baseline_weight,
        "max_length": predictor.members[0].encoding.max_length,
        "windows": _windows(predictor.members[0].encoding),
        "normalise": {  # by member: each may read a text its own way (None: as it stands)
            name: member.encoding.normalise
            for name, member in zip(member_names, predictor.members, strict=True)
        },
        "limits": asdict(limits),
        "model_card": _card(model_dir),
    }
    batcher = Batcher(
        predictor.predict_proba, limits.max_batch, limits.max_wait_ms / 1000, limits.max_queued
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        task = asyncio.create_task(batcher.run())
        yield
        task.cancel()
        batcher.executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="mltc classifier",
        description="Multi-label text classification: labels and probabilities for texts.",
        lifespan=lifespan,
    )

    @app.post("/predict", response_model=PredictResponse, response_model_exclude_none=True)
    async def predict(request: PredictRequest) -> PredictResponse:
        """Each text's labels (by the tuned rule, or `threshold`) and, unless
        `return_probabilities` is false, every label's probability, in the order sent."""
        check_texts(request.texts, limits)
        try:
            batcher.check_room(request.texts)  # before any work in the scoring thread
            if limits.refuse_truncated:
                cut = await batcher.in_scoring_thread(truncated, predictor, list(request.texts))
                if cut:
                    raise HTTPException(
                        422,
                        f"texts{cut} are longer than the model reads and would be truncated "
                        "(--refuse-truncated)",
                    )
            probs = await batcher.probabilities(list(request.texts))
        except Busy as error:
            raise HTTPException(503, str(error), headers={"Retry-After": "1"}) from error
        if request.threshold is None:
            labels = predictor.labels_from_proba(probs)
        else:
            rule = decision_rule.DecisionRule.fixed(names, request.threshold)
            labels = predictor.labels_from_proba(probs, rule)
        return PredictResponse(
            predictions=[
                Prediction(
                    labels=text_labels,
                    probabilities=(
                        dict(zip(names, map(float, row), strict=True))
                        if request.return_probabilities
                        else None
                    ),
                )
                for text_labels, row in zip(labels, probs, strict=True)
            ]
        )

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    @app.get("/labels")
    async def labels() -> dict:
        return {"labels": names}

    @app.get("/metadata")
    async def model_metadata() -> dict:
        """What the model card says: members, labels, the rule and how it was tuned, the card."""
        return metadata

    return RequestBody(app, limits.max_body_bytes)


def truncated(predictor: Predictor, texts: list[str]) -> list[int]:
    """The texts that some member would truncate (each member encodes as it was trained)."""
    long = np.zeros(len(texts), dtype=bool)
    for member in predictor.members:
        long |= np.asarray(member.truncated(texts), dtype=bool)
    return np.flatnonzero(long).tolist()


def _tuning(model_dir: Path) -> dict:
    path = Path(model_dir) / decision_rule.THRESHOLDS_FILE
    payload = read_json(path) if path.is_file() else None
    tuning = payload.get("tuning") if isinstance(payload, dict) else None
    return {"tuning": tuning} if tuning else {}


def _windows(encoding: TextEncoding) -> dict | None:
    """How a long text is read (null: truncated at max_length)."""
    return None if encoding.windows is None else asdict(encoding.windows)


def _card(model_dir: Path) -> str | None:
    path = Path(model_dir) / CARD_FILE
    return path.read_text(encoding="utf-8") if path.is_file() else None


def app_from_environment() -> "RequestBody":
    """For `uvicorn --factory mltc.serving.server:app_from_environment --workers N`: the
    classifier folder named by MLTC_MODEL, run by the backend MLTC_BACKEND names (default
    torch on models/classifier; onnx on models/export), default limits."""
    backend = os.environ.get(BACKEND_ENV, "torch")
    if backend not in BACKENDS:
        raise PipelineError(f"{BACKEND_ENV}={backend!r}: expected one of {', '.join(BACKENDS)}")
    model_dir = model_folder(os.environ.get(MODEL_ENV), backend)
    return create_app(Predictor(model_dir, backend=backend), model_dir)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    defaults = Limits()
    parser = argparse.ArgumentParser(prog="serve", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        help=f"default: {DEFAULT_MODEL['torch']}; with --backend onnx {DEFAULT_MODEL['onnx']}",
    )
    parser.add_argument("--backend", choices=BACKENDS, default="torch",
                        help="onnx: the export, run by onnxruntime without torch")  # fmt: skip
    parser.add_argument("--int8", action="store_true", help="int8 weights (metrics/export.json)")
    parser.add_argument("--host", default="127.0.0.1", help="default: %(default)s (this machine)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--precision", choices=PRECISIONS, default="auto", help="torch only")
    parser.add_argument("--batch-size", type=int, default=64, help="texts a forward pass")
    parser.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="torch only: let transformers run Python code shipped with the model (only for models "
        "you trust; an ONNX export runs no code)",
    )
    for name, value in asdict(defaults).items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            parser.add_argument(flag, action="store_true")
        else:
            parser.add_argument(flag, type=type(value), default=value, help="default: %(default)s")
    return parser.parse_args(argv)


def http_server(args: argparse.Namespace, model_dir: Path) -> "uvicorn.Server":
    """The uvicorn server `serve` runs for its parsed arguments, the classifier in `model_dir`
    loaded; not yet started (`main` runs it; the tests run it in a thread)."""
    import uvicorn

    limits = Limits(**{name: getattr(args, name) for name in asdict(Limits())})
    predictor = Predictor(
        model_dir, batch_size=args.batch_size, precision=args.precision, int8=args.int8,
        trust_remote_code=args.trust_remote_code, backend=args.backend,
    )  # fmt: skip
    app = create_app(predictor, model_dir, limits)
    return uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="warning"))


def main(argv: list[str] | None = None) -> None:
    def serve() -> None:
        args = parse_args(argv)
        model_dir = model_folder(args.model, args.backend)
        server = http_server(args, model_dir)
        print(f"serving {model_dir} on http://{args.host}:{args.port} (docs: /docs)", flush=True)
        # Ctrl+C reaches here after uvicorn's graceful shutdown (uvicorn.run ignores it too); a
        # port in use exits with uvicorn's line and code 3
        with contextlib.suppress(KeyboardInterrupt):
            server.run()

    run_stage(serve)


if __name__ == "__main__":
    main()
