"""Distil the screen (``civility/screen.py``) from the shipped transformer.

The teacher is the exported ONNX model itself, so the screen learns what the
model people actually run would say, window by window, with no labels needed.
It sees the training split of every public dataset, our templates, and long
windows stitched together from several texts (news comments are longer than
tweets, and a linear model has to learn that benign words add up to nothing).
The margins are then set on the validation split: for each level, the
smallest one at which at least ``RECALL`` of the windows the transformer would
score at or above that level still reach the transformer.

    python -m civility.training.screen ../shared/data civility/models/civility-minilm runs/screen
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from functools import cache as cache_function
from pathlib import Path

import numpy as np

from civility.model import NeuralScorer, Window
from civility.screen import BIGRAM_BITS, Screen, logit, window_bigrams
from civility.training import newsroom
from civility.training.datasets import load_all
from civility.training.synthetic import generate

RECALL = 0.995
#: Policies flag at min(0.5, review, reject), so these cover every level one can set above 0.1.
LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5)


def _texts(data: Path, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    examples = load_all(data) + generate(seed) + newsroom.generate(seed)
    out: dict[str, list[str]] = {"train": [], "val": []}
    for e in examples:
        if e.split in out:
            out[e.split].append(e.text)
    for split, texts in out.items():
        stitched = [
            " ".join(rng.sample(texts, rng.randint(2, 8))) for _ in range(len(texts) // 5)
        ]
        out[split] = texts + stitched
    return out


def teacher_windows(
    scorer: NeuralScorer, texts: list[str], chunk: int = 2048
) -> tuple[list[list[int]], np.ndarray]:
    """Every window of every text, with the transformer's probabilities for it."""
    ids: list[list[int]] = []
    probs: list[np.ndarray] = []
    started = time.perf_counter()
    for i in range(0, len(texts), chunk):
        windows: list[Window] = scorer.windows(texts[i : i + chunk])
        ids.extend(w[1] for w in windows)
        probs.append(scorer.window_probs(windows))
        done = min(i + chunk, len(texts))
        rate = done / (time.perf_counter() - started)
        print(f"  teacher: {done:,}/{len(texts):,} texts ({rate:.0f}/s)", file=sys.stderr)
    return ids, np.concatenate(probs)


def input_embeddings(model_dir: Path) -> np.ndarray:
    """The transformer's (fine-tuned) word-piece embeddings, dequantised from model.onnx."""
    import onnx
    from onnx import numpy_helper

    prefix = "encoder.embeddings.word_embeddings.weight"
    found = {
        i.name: numpy_helper.to_array(i)
        for i in onnx.load(str(model_dir / "model.onnx")).graph.initializer
        if i.name.startswith(prefix)
    }
    if prefix in found:
        return found[prefix].astype(np.float32)
    q = found[f"{prefix}_quantized"].astype(np.float32)
    return (q - found[f"{prefix}_zero_point"].astype(np.float32)) * found[f"{prefix}_scale"]


def fit(
    embeddings: np.ndarray,
    ids: list[list[int]],
    targets: np.ndarray,
    attributes: tuple[str, ...],
    *,
    width: int = 128,
    units: int = 128,
    epochs: int = 4,
    seed: int = 13,
) -> Screen:
    """Fit the screen to the teacher's probabilities (margins are set afterwards).

    Soft-target cross-entropy, with windows the teacher finds harmful weighted
    up: missing those costs recall, which the margin then has to buy back.
    """
    import torch
    from torch import nn

    torch.manual_seed(seed)
    vocab, dim = embeddings.shape
    n_attr = targets.shape[1]
    words = [np.asarray(w, np.int64) for w in ids]
    grams = [np.concatenate([w, window_bigrams(w) + vocab]) for w in words]
    table = nn.EmbeddingBag(vocab + (1 << BIGRAM_BITS), n_attr, mode="sum")
    nn.init.zeros_(table.weight)
    frozen = torch.tensor(embeddings)
    project = nn.Linear(dim, width)
    hidden, output = nn.Linear(2 * width, units), nn.Linear(units, n_attr)
    bias = nn.Parameter(torch.zeros(n_attr))
    params = [table.weight, bias, *project.parameters(), *hidden.parameters(), *output.parameters()]
    optimiser = torch.optim.Adam(params, lr=0.003)

    def forward(batch: np.ndarray) -> torch.Tensor:
        flat = torch.tensor(np.concatenate([grams[b] for b in batch]))
        offsets = torch.tensor(np.cumsum([0] + [len(grams[b]) for b in batch[:-1]]))
        lengths = torch.tensor([len(words[b]) for b in batch])
        vectors = project(frozen[torch.tensor(np.concatenate([words[b] for b in batch]))])
        segment = torch.repeat_interleave(torch.arange(len(batch)), lengths)
        total = torch.zeros(len(batch), width).index_add_(0, segment, vectors)
        mean = total / lengths.clamp(min=1)[:, None]
        top = torch.full((len(batch), width), -1e4).scatter_reduce(
            0, segment[:, None].expand(-1, width), vectors, "amax"
        )
        top = torch.where(lengths[:, None] > 0, top, torch.zeros_like(top))
        pooled = torch.relu(hidden(torch.cat([mean, top], 1)))
        return table(flat, offsets) + bias + output(pooled)

    y = torch.tensor(targets)
    weight = 1.0 + 4.0 * y.max(dim=1, keepdim=True).values
    order = np.arange(len(words))
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        rng.shuffle(order)
        total_loss = 0.0
        for start in range(0, len(order), 256):
            batch = order[start : start + 256]
            loss = nn.functional.binary_cross_entropy_with_logits(
                forward(batch), y[batch], weight=weight[batch]
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total_loss += loss.item() * len(batch)
        print(f"  screen epoch {epoch + 1}: loss {total_loss / len(order):.4f}", file=sys.stderr)
    with torch.no_grad():
        projected = project(frozen).numpy()
        w = table.weight.numpy()
        return Screen(
            attributes=attributes,
            unigram=w[:vocab].copy(),
            bigram=w[vocab:].copy(),
            bias=bias.numpy().copy(),
            embedding=projected,
            hidden=(hidden.weight.numpy().T.copy(), hidden.bias.numpy().copy()),
            output=(output.weight.numpy().T.copy(), output.bias.numpy().copy()),
            margins={},
            report={},
        )


def choose_margins(
    logits: np.ndarray, teacher: np.ndarray
) -> tuple[dict[float, float], dict[str, float]]:
    """Per level, the smallest margin with ``RECALL``, and what it costs in windows read."""
    margins: dict[float, float] = {}
    report: dict[str, float] = {}
    benign = teacher.max(axis=1) < 0.1
    for level in LEVELS:
        relevant = (teacher >= level).any(axis=1)
        if not relevant.any():
            continue
        # A window is read when some attribute's screen logit exceeds logit(level) - margin.
        needed = logit(level) - logits[relevant].max(axis=1)
        margin = max(0.0, float(np.quantile(needed, RECALL)) + 0.05)
        margins[level] = round(margin, 3)
        read = (logits > logit(level) - margin).any(axis=1)
        report[f"recall@{level}"] = round(float(read[relevant].mean()), 4)
        report[f"read@{level}"] = round(float(read.mean()), 4)
        report[f"read_benign@{level}"] = round(float(read[benign].mean()), 4)
    return margins, report


def cached_teacher(
    scorer: NeuralScorer, texts: Callable[[], list[str]], cache: Path | None
) -> tuple[list[list[int]], np.ndarray]:
    """``teacher_windows``, kept in ``cache``; ``texts`` is only loaded when it is not there."""
    if cache is not None and cache.exists():
        with np.load(cache) as saved:
            flat, lengths, probs = saved["ids"], saved["lengths"], saved["probs"]
        ends = np.cumsum(lengths)
        return [flat[e - n : e].tolist() for e, n in zip(ends, lengths, strict=True)], probs
    ids, probs = teacher_windows(scorer, texts())
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        lengths = np.array([len(w) for w in ids], np.int64)
        flat = np.fromiter((t for w in ids for t in w), np.int64, int(lengths.sum()))
        np.savez(cache, ids=flat, lengths=lengths, probs=probs)
    return ids, probs


def train_screen(
    data: Path,
    model_dir: Path,
    *,
    seed: int = 13,
    cache: Path | None = None,
    limit: int | None = None,
) -> Screen:
    """Distil, calibrate and save ``model_dir/screen.npz``.

    ``limit``: a random sample of that many texts per split (every source, not the
    first ones loaded), for a smoke test or a machine too busy for all 120,000 windows.
    """
    scorer = NeuralScorer(model_dir)
    if cache is not None:  # the teacher's outputs belong to one model.onnx
        digest = hashlib.sha256((model_dir / "model.onnx").read_bytes()).hexdigest()[:12]
        cache = cache / f"{digest}-{limit or 'all'}"

    @cache_function
    def texts() -> dict[str, list[str]]:
        rng = random.Random(seed)
        return {
            split: rng.sample(items, limit) if limit and limit < len(items) else items
            for split, items in _texts(data, seed).items()
        }

    train_ids, train_y = cached_teacher(
        scorer, lambda: texts()["train"], cache and cache / "train.npz"
    )
    val_ids, val_y = cached_teacher(scorer, lambda: texts()["val"], cache and cache / "val.npz")
    print(f"screen: {len(train_ids):,} training and {len(val_ids):,} validation windows",
          file=sys.stderr)
    draft = fit(
        input_embeddings(model_dir), train_ids, train_y, scorer.info.attributes, seed=seed
    )
    margins, report = choose_margins(draft.logits(val_ids), val_y)
    screen = replace(draft, margins=margins, report=report)
    path = screen.save(model_dir)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    print(json.dumps(report, indent=2))
    return screen


if __name__ == "__main__":
    train_screen(
        Path(sys.argv[1]), Path(sys.argv[2]), cache=Path(sys.argv[3]) if len(sys.argv) > 3 else None
    )
