"""Paths shared by tests: the example page and datasets live in ../shared beside the repo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXAMPLE_PAGE = SHARED / "examples" / "news-page-with-comments.txt"
EXAMPLE_LABELS = SHARED / "examples" / "news-page-with-comments.labels.jsonl"
DATA = SHARED / "data"

needs_example = pytest.mark.skipif(not EXAMPLE_PAGE.exists(), reason="../shared/examples is absent")
needs_data = pytest.mark.skipif(
    not (DATA / "MANIFEST.md").exists(), reason="../shared/data is absent"
)


def example_labels() -> list[dict]:
    return [json.loads(line) for line in EXAMPLE_LABELS.read_text().splitlines() if line.strip()]
