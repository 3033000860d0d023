"""Paths shared by tests: the example pages ship in examples/; datasets live in ../shared."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXAMPLES = REPO / "examples"
EXAMPLE_PAGE = EXAMPLES / "news-page-with-comments.txt"
EXAMPLE_HTML = EXAMPLES / "news-page-with-comments.html"
EXAMPLE_LABELS = EXAMPLES / "news-page-with-comments.labels.jsonl"
DATA = SHARED / "data"

needs_example = pytest.mark.skipif(not EXAMPLE_PAGE.exists(), reason="examples/ is absent")
needs_data = pytest.mark.skipif(
    not (DATA / "MANIFEST.md").exists(), reason="../shared/data is absent"
)


def example_labels() -> list[dict]:
    return [json.loads(line) for line in EXAMPLE_LABELS.read_text().splitlines() if line.strip()]


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """The app on a real uvicorn, on a free loopback port, in a thread; yields its base URL.

    For clients that must talk HTTP (Google's API client, requests shaped byte for byte as
    Coral sends them)."""
    import threading
    import time

    import uvicorn

    from tests.conftest import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
