"""The screen: a cheap first pass that spares the transformer what it would find benign.

Most comments on a news site are civil, and the transformer spends about 30 µs
of CPU per word piece on every one of them (the 6-layer teacher: 60 µs). The
screen reads the transformer's own word pieces two ways: the mean and the maximum of their
input embeddings (taken from the transformer, projected to 128 numbers) feed a
small MLP, so a word it never saw in training still lands near its synonyms;
and a linear model over the pieces and their pairs adds what a bag of words
knows. It is distilled from the transformer's outputs
(``civility/training/screen.py``) and costs a few microseconds per comment.

A window of text goes to the transformer when the screen thinks any attribute
could reach the level at which the policy acts on it or explains it, less a
safety ``margin`` chosen on held-out data so that at least 99.5 % of the
windows the transformer would flag still reach it. The caller also forces
windows through (:class:`~civility.model.NeuralScorer` takes ``must_read``
spans): the Moderator forces every window in which the lexical layer found
anything, a named group, a swear word or a threat phrase, so a rare slur the
screen has never seen is still read by the network. A skipped window keeps the
screen's own estimate, which is below the level by construction.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BIGRAM_BITS = 18
FILE = "screen.npz"
_ARRAYS = ("unigram", "bigram", "bias", "embedding", "hidden_w", "hidden_b", "output_w", "output_b")
#: The tables a window only looks rows up in: kept in memory as saved (float16), half the
#: ~25 MB that float32 copies would hold in every worker process, and the rows looked up
#: are widened to float32, so the arithmetic, and every logit, is what float32 tables give.
_TABLES = frozenset({"unigram", "bigram", "embedding"})


def bigram_hash(first: np.ndarray, second: np.ndarray, bits: int = BIGRAM_BITS) -> np.ndarray:
    """A stable bucket for each pair of adjacent word-piece ids (training uses this too)."""
    return (first.astype(np.int64) * 0x9E3779B1 + second.astype(np.int64)) & ((1 << bits) - 1)


def window_bigrams(ids: Sequence[int], bits: int = BIGRAM_BITS) -> np.ndarray:
    """The hashed pairs of one window."""
    arr = np.asarray(ids, np.int64)
    return bigram_hash(arr[:-1], arr[1:], bits) if len(arr) > 1 else np.zeros(0, np.int64)


@dataclass(frozen=True, slots=True)
class Screen:
    """Weights of the screen and the margin that keeps its recall."""

    attributes: tuple[str, ...]
    unigram: np.ndarray  # (vocabulary, attributes)
    bigram: np.ndarray  # (2 ** BIGRAM_BITS, attributes)
    bias: np.ndarray  # (attributes,)
    embedding: np.ndarray  # (vocabulary, width): projected input embeddings
    hidden: tuple[np.ndarray, np.ndarray]  # (2 * width, units), (units,)
    output: tuple[np.ndarray, np.ndarray]  # (units, attributes), (attributes,)
    #: Safety margin (in logits) by level: the transformer still reads at least
    #: 99.5 % of the held-out windows it scores at or above that level.
    margins: Mapping[float, float]
    #: How it was measured when trained (recall, pass rates): shown in the model card.
    report: Mapping[str, float]

    @classmethod
    def load(cls, directory: Path) -> Screen | None:
        path = directory / FILE
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {k: data[k].astype(np.float16 if k in _TABLES else np.float32)
                      for k in _ARRAYS}
        return cls(
            attributes=tuple(meta["attributes"]),
            unigram=arrays["unigram"],
            bigram=arrays["bigram"],
            bias=arrays["bias"],
            embedding=arrays["embedding"],
            hidden=(arrays["hidden_w"], arrays["hidden_b"]),
            output=(arrays["output_w"], arrays["output_b"]),
            margins={float(k): float(v) for k, v in meta["margins"].items()},
            report=meta.get("report", {}),
        )

    def save(self, directory: Path) -> Path:
        path = directory / FILE
        meta = {
            "attributes": list(self.attributes),
            "margins": {str(k): v for k, v in self.margins.items()},
            "report": dict(self.report),
        }
        arrays = {
            "unigram": self.unigram,
            "bigram": self.bigram,
            "bias": self.bias,
            "embedding": self.embedding,
            "hidden_w": self.hidden[0],
            "hidden_b": self.hidden[1],
            "output_w": self.output[0],
            "output_b": self.output[1],
        }
        np.savez_compressed(
            path,
            meta=np.array(json.dumps(meta)),
            **{k: v.astype(np.float16) for k, v in arrays.items()},
        )
        return path

    def logits(self, windows: Sequence[Sequence[int]]) -> np.ndarray:
        """Estimated transformer logits, one row per window of word-piece ids."""
        n = len(windows)
        out = np.tile(self.bias, (n, 1))
        lengths = np.fromiter(map(len, windows), np.int64, n)
        total = int(lengths.sum())
        if total == 0:
            return out
        ids = np.fromiter(itertools.chain.from_iterable(windows), np.int64, total)
        ends = np.cumsum(lengths)
        starts = ends - lengths
        rows = lengths > 0
        # Pair j joins tokens j and j+1; the pair that would cross into the next window is dropped.
        pairs = np.zeros((total, out.shape[1]), np.float32)
        if total > 1:
            pairs[:-1] = self.bigram[bigram_hash(ids[:-1], ids[1:])]
            pairs[ends[rows] - 1] = 0.0
        evidence = self.unigram[ids].astype(np.float32, copy=False) + pairs
        out[rows] += np.add.reduceat(evidence, starts[rows], axis=0)
        vectors = self.embedding[ids].astype(np.float32, copy=False)
        pooled = np.zeros((n, 2 * vectors.shape[1]), np.float32)
        pooled[rows, : vectors.shape[1]] = (
            np.add.reduceat(vectors, starts[rows], axis=0) / lengths[rows, None]
        )
        pooled[rows, vectors.shape[1] :] = np.maximum.reduceat(vectors, starts[rows], axis=0)
        hidden = np.maximum(pooled @ self.hidden[0] + self.hidden[1], 0.0)
        return out + hidden @ self.output[0] + self.output[1]

    def margin(self, level: float) -> float:
        """The margin measured at the nearest level at or above ``level`` (so never too small)."""
        table = sorted(self.margins.items())
        if not table or level < table[0][0]:
            return math.inf  # never measured this low: the transformer reads everything
        upper = next((k for k, _ in table if k >= level), table[-1][0])
        return max(m for k, m in table if k <= upper)

    def cutoffs(self, levels: Mapping[str, float]) -> np.ndarray:
        """Per attribute, the screen logit above which the transformer must read the window."""
        return np.array(
            [logit(levels.get(a, 0.5)) - self.margin(levels.get(a, 0.5)) for a in self.attributes],
            np.float32,
        )

    def needs_model(self, logits: np.ndarray, cutoffs: np.ndarray) -> np.ndarray:
        return (logits > cutoffs).any(axis=1)


def logit(p: float) -> float:
    """The inverse of the sigmoid, clipped so 0 and 1 stay finite."""
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))
