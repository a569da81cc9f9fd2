"""`serve`: the server `serve` runs (uvicorn on 127.0.0.1, in a thread of this process: no
second interpreter to start) with the shipped tiny classifier, a real HTTP client. Good requests
get what `Predictor` gives; each bad request gets a 4xx naming the problem, and the server goes
on serving. Separate processes: uvicorn's workers here, `serve` itself in the documented
commands' test; the factory uvicorn's workers call is also checked in process (TestClient)."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest

from mltc.core.errors import PipelineError
from mltc.serving.predictor import Predictor
from mltc.serving.server import (
    Batcher,
    Busy,
    Limits,
    app_from_environment,
    http_server,
    main,
    parse_args,
)

LIMITS = {"max_texts": 4, "max_chars": 200, "max_body_bytes": 4000}
GOOD = {"texts": ["What a wonderful surprise!", "I can't stand this anymore"]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(model: Path, *options: str) -> Iterator[str]:
    """`serve --model MODEL *options` running in a thread until the block ends, on a port bound
    here first (no other process can take it in between): its URL."""
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    server = http_server(parse_args(["--model", str(model), "--port", str(port), *options]), model)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listening.close()
    assert not thread.is_alive(), "serve did not stop within 30 s"


@pytest.fixture(scope="module")
def server(shipped_classifier):
    options = [f"--{name.replace('_', '-')}={value}" for name, value in LIMITS.items()]
    with (
        serving(shipped_classifier, *options) as url,
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def predictor(shipped_classifier) -> Predictor:
    return Predictor(shipped_classifier)


def test_predict_gives_what_the_predictor_gives_in_the_order_sent(server, predictor):
    response = server.post("/predict", json=GOOD)
    assert response.status_code == 200
    predictions = response.json()["predictions"]
    assert [p["labels"] for p in predictions] == predictor.predict(GOOD["texts"])
    probs = np.array([[p["probabilities"][name] for name in predictor.label_names]
                      for p in predictions])  # fmt: skip
    np.testing.assert_allclose(probs, predictor.predict_proba(GOOD["texts"]), rtol=0, atol=1e-6)


def test_a_threshold_and_no_probabilities_on_request(server, predictor):
    response = server.post(
        "/predict", json={**GOOD, "threshold": 0.0, "return_probabilities": False}
    )
    assert response.json() == {
        "predictions": [{"labels": list(predictor.label_names)} for _ in GOOD["texts"]]
    }


def test_concurrent_requests_are_answered_each_with_its_own_texts(server, predictor):
    texts = [f"text number {i} {'!' * i}" for i in range(24)]
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda t: server.post("/predict", json={"texts": [t]}), texts))
    assert [r.status_code for r in responses] == [200] * len(texts)
    assert [r.json()["predictions"][0]["labels"] for r in responses] == predictor.predict(texts)


def test_health_labels_metadata_and_the_openapi_schema(server, predictor, shipped_classifier):
    assert server.get("/health").json() == {"status": "ok"}
    assert server.get("/labels").json() == {"labels": list(predictor.label_names)}
    metadata = server.get("/metadata").json()
    assert metadata["members"] == ["tiny"] and metadata["baseline_weight"] == 0.3
    assert metadata["rule"]["thresholds"] == dict.fromkeys(predictor.label_names, 0.5)
    assert metadata["rule"]["tuning"] == {"objective": "micro_f1"}
    assert metadata["model_card"] == "# card\n"
    assert metadata["windows"] is None  # as the tiny member reads: truncated, as it stands
    assert metadata["normalise"] == {"tiny": None}
    schema = server.get("/openapi.json").json()
    assert "/predict" in schema["paths"]
    assert set(schema["components"]["schemas"]["PredictRequest"]["properties"]) == {
        "texts", "threshold", "return_probabilities",
    }  # fmt: skip


BAD_REQUESTS = [
    ("malformed JSON", b'{"texts": ["a"', 422, "JSON decode error"),
    ("not a JSON object", b'["a", "b"]', 422, "Input should be a valid dictionary"),
    ("texts not a list", b'{"texts": "a text"}', 422, "Input should be a valid list"),
    ("a text not a string", b'{"texts": ["a", 3]}', 422, "Input should be a valid string"),
    ("no texts", b'{"texts": []}', 422, "List should have at least 1 item"),
    ("no texts field", b'{"text": ["a"]}', 422, "Field required"),
    ("an empty text", b'{"texts": ["a", "  "]}', 422, "texts[1] is empty"),
    ("too many texts", json.dumps({"texts": ["a"] * 5}).encode(), 413,
     "5 texts: at most 4 a request"),
    ("an over-long text", json.dumps({"texts": ["a" * 201]}).encode(), 413,
     "texts[0] has 201 characters: at most 200"),
    ("a body over the limit", json.dumps({"texts": ["a" * 100] * 45}).encode(), 413,
     "the request body is over 4000 bytes"),
    ("invalid UTF-8", b'{"texts": ["caf\xe9"]}', 400, "the request body is not UTF-8 (byte 15: 0xe9)"),
    ("a lone surrogate", b'{"texts": ["ok", "\\ud800"]}', 422,
     "texts[1] is not valid Unicode (surrogates not allowed at character 0)"),
    ("an unknown field", b'{"texts": ["a"], "thresold": 0.3}', 422, "Extra inputs are not permitted"),
    ("a threshold above 1", b'{"texts": ["a"], "threshold": 1.5}', 422,
     "Input should be less than or equal to 1"),
    ("a threshold below 0", b'{"texts": ["a"], "threshold": -0.1}', 422,
     "Input should be greater than or equal to 0"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "status", "message"), [case[1:] for case in BAD_REQUESTS],
                         ids=[case[0] for case in BAD_REQUESTS])  # fmt: skip
def test_a_bad_request_gets_a_4xx_naming_it_and_the_server_goes_on(server, body, status, message):
    response = server.post("/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert message in json.dumps(response.json()["detail"]), response.text
    assert server.post("/predict", json=GOOD).status_code == 200


def test_truncation_can_be_refused_by_option(shipped_classifier):
    with serving(shipped_classifier, "--refuse-truncated") as url:
        long = " ".join(["word"] * 200)  # over the tiny member's 64 tokens
        response = httpx.post(f"{url}/predict", json={"texts": ["short", long]}, timeout=60)
        assert response.status_code == 422
        assert "texts[1] are longer than the model reads" in response.json()["detail"]
        assert httpx.post(f"{url}/predict", json={"texts": ["short"]}, timeout=60).is_success


def test_remote_code_stays_off_unless_serve_is_told(shipped_classifier, from_pretrained_calls):
    """`serve --trust-remote-code` reaches the loader as `predict`'s does; without it transformers
    may run no code from the model folder."""
    for options in ([], ["--trust-remote-code"]):
        args = parse_args(["--model", str(shipped_classifier), *options])
        http_server(args, shipped_classifier)
    # the one member, loaded by each
    assert [call["trust_remote_code"] for call in from_pretrained_calls] == [False, True]


def test_a_folder_that_cannot_load_stops_serve_with_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--model", str(tmp_path / "none")])
    assert stopped.value.code == 2
    assert (
        capsys.readouterr().err.strip().splitlines()[-1].startswith(f"error: {tmp_path / 'none'}")
    )


def test_a_port_in_use_stops_serve_with_uvicorns_line(shipped_classifier, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            main(["--model", str(shipped_classifier), "--port", str(port)])
    assert stopped.value.code == 3  # uvicorn's startup failure
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', {port}): "
        "address already in use"
    )


@pytest.mark.slow  # three interpreters start: uvicorn's and its two workers'
def test_several_workers_serve_the_export_through_the_factory(exported_classifier, tmp_path):
    """docs/serving.md: uvicorn's workers, each loading the classifier with the backend
    MLTC_BACKEND names, from that backend's folder in a project (models/export) when MLTC_MODEL
    names none (MLTC_MODEL and the torch default, in this process:
    test_the_factory_serves_the_folder_mltc_model_names_with_torch_by_default)."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "export").symlink_to(exported_classifier)
    environment = {key: value for key, value in os.environ.items() if key != "MLTC_MODEL"}
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory",
         "mltc.serving.server:app_from_environment", "--port", str(port), "--workers", "2"],
        env={**environment, "MLTC_BACKEND": "onnx"}, cwd=tmp_path,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                response = httpx.post(f"{url}/predict", json=GOOD, timeout=60)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.5)
        assert response.status_code == 200
        expected = Predictor(exported_classifier, backend="onnx").predict(GOOD["texts"])
        assert [p["labels"] for p in response.json()["predictions"]] == expected
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_factory_serves_the_folder_mltc_model_names_with_torch_by_default(
    shipped_classifier, predictor, monkeypatch
):
    from fastapi.testclient import TestClient

    monkeypatch.setenv("MLTC_MODEL", str(shipped_classifier))
    monkeypatch.delenv("MLTC_BACKEND", raising=False)
    with TestClient(app_from_environment()) as client:
        response = client.post("/predict", json=GOOD)
    assert response.status_code == 200
    assert [p["labels"] for p in response.json()["predictions"]] == predictor.predict(GOOD["texts"])


def test_the_factory_names_a_backend_it_does_not_know(monkeypatch):
    monkeypatch.setenv("MLTC_BACKEND", "tensorrt")
    with pytest.raises(
        PipelineError, match=r"^MLTC_BACKEND='tensorrt': expected one of torch, onnx$"
    ):
        app_from_environment()


def test_the_onnx_backend_serves_what_its_predictor_gives(exported_classifier):
    """`serve --backend onnx --int8`: the export's int8 graphs, refusing truncation as torch's."""
    with serving(exported_classifier, "--backend", "onnx", "--int8", "--refuse-truncated") as url:
        response = httpx.post(f"{url}/predict", json=GOOD, timeout=60)
        expected = Predictor(exported_classifier, backend="onnx", int8=True)
        predictions = response.json()["predictions"]
        assert [p["labels"] for p in predictions] == expected.predict(GOOD["texts"])
        probs = np.array([[p["probabilities"][name] for name in expected.label_names]
                          for p in predictions])  # fmt: skip
        # the same two texts in one batch: int8's activation scales are the same both ways
        np.testing.assert_allclose(probs, expected.predict_proba(GOOD["texts"]), rtol=0, atol=1e-6)
        long = " ".join(["word"] * 200)
        refused = httpx.post(f"{url}/predict", json={"texts": [long]}, timeout=60)
        assert refused.status_code == 422
        assert "texts[0] are longer than the model reads" in refused.json()["detail"]


def test_texts_that_wait_form_the_next_batch_and_a_full_queue_answers_busy():
    """While one batch is scored, the requests that arrive wait and are then scored together; at
    most max_queued texts wait, more get Busy (HTTP 503), and a lone text is scored at once."""
    release = threading.Event()

    def score(texts: list[str]) -> np.ndarray:  # each text scores the size of its batch
        release.wait(30)
        return np.full((len(texts), 1), float(len(texts)))

    async def scenario() -> None:
        batcher = Batcher(score, max_batch=8, max_wait_s=0, max_queued=2)
        task = asyncio.create_task(batcher.run())
        scored = asyncio.create_task(batcher.probabilities(["a"]))
        await asyncio.sleep(0.1)  # taken into a batch: the scoring thread holds it
        waiting = [asyncio.create_task(batcher.probabilities([text])) for text in "cd"]
        await asyncio.sleep(0.1)
        with pytest.raises(Busy, match=r"^the server is busy: 2 texts are waiting to be scored, "
                           r"at most 2 may \(--max-queued\); retry shortly$"):  # fmt: skip
            await batcher.probabilities(["e"])
        release.set()
        assert (await scored).tolist() == [[1.0]]
        assert [(await request).tolist() for request in waiting] == [[[2.0]], [[2.0]]]
        assert (await batcher.probabilities(["f"])).tolist() == [[1.0]]
        task.cancel()
        batcher.executor.shutdown()

    asyncio.run(scenario())


def test_a_queue_smaller_than_a_request_is_refused():
    with pytest.raises(PipelineError, match=r"^--max-queued 10 is below --max-texts 256: a full"):
        Limits(max_queued=10)
