"""Paths shared by tests: the example pages ship in examples/; datasets live in ../shared."""

from __future__ import annotations

import json
from pathlib import Path

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
