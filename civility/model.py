"""The neural scorer: the shipped int8 ONNX MiniLM, run with onnxruntime.

No torch at run time. Texts are tokenised once, sorted by length and batched
so short comments are never padded to long ones; texts longer than the model's
window are scored in overlapping windows and the strongest window wins.
"""

from __future__ import annotations

import json
import os
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from civility.normalize import Normalized, normalize
from civility.records import ModelOutput
from civility.screen import Screen

DEFAULT_MODEL = "civility-minilm"
_WINDOW_STRIDE = 96
#: Results remembered for repeated texts (spam floods), and as many windows' network outputs
#: for texts that differ only in what the network does not see: ~2 KB each with an embedding.
_RECENT = 4096
#: What the normaliser drops between spaced-out letters ("f u c k", "f.u.c.k", "f-u-c-k").
_SEPARATORS = frozenset(" .-_\t\n")

#: (index of its text, word-piece ids, character offsets of those pieces in the text).
Window = tuple[int, list[int], list[tuple[int, int]]]
#: What the network gives for one window: calibrated probabilities, the probability of each
#: position ([CLS], the pieces, [SEP]), the embedding.
Reading = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str
    version: str
    attributes: tuple[str, ...]
    max_tokens: int
    path: Path


def model_dir(name_or_path: str | os.PathLike[str] | None = None) -> Path:
    """A packaged model by name, or a directory holding model.onnx, tokenizer.json, meta.json."""
    if name_or_path is None:
        name_or_path = os.environ.get("CIVILITY_MODEL", DEFAULT_MODEL)
    path = Path(name_or_path)
    if path.is_dir():
        return path
    packaged = Path(str(resources.files("civility") / "models" / str(name_or_path)))
    if packaged.is_dir():
        return packaged
    raise FileNotFoundError(
        f"no model at {name_or_path!r}: pass a directory with model.onnx, tokenizer.json and "
        f"meta.json, or the name of a packaged model ({DEFAULT_MODEL!r})"
    )


class NeuralScorer:
    """Batch-in, batch-out scoring of texts; safe to share between threads."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        threads: int | None = None,
        batch_tokens: int = 512,
        numerics: str | None = None,
        remember: int = _RECENT,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from civility.numerics import choose, fp32_graph

        directory = model_dir(path)
        meta = json.loads((directory / "meta.json").read_text())
        self.info = ModelInfo(
            name=directory.name,
            version=meta.get("version", "dev"),
            attributes=tuple(meta["attributes"]),
            max_tokens=int(meta.get("max_tokens", 128)),
            path=directory,
        )
        cal = meta.get("calibration", {})
        self._scale = np.array(
            [cal.get(a, [1.0, 0.0])[0] for a in self.info.attributes], np.float32
        )
        self._shift = np.array(
            [cal.get(a, [1.0, 0.0])[1] for a in self.info.attributes], np.float32
        )
        # What the network was trained to read (see model_text): "normalize" = disguises undone
        # and emoji spelled out; "demojize" = emoji spelled out only (models before v4).
        self._preprocess = meta.get("preprocess")
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._cls = self._tokenizer.token_to_id("[CLS]")
        self._sep = self._tokenizer.token_to_id("[SEP]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle worker threads sleep instead of spinning: on a small server the web workers,
        # the database and other processes need those cores between two reads, and a
        # spinning thread that is descheduled mid-product stalls the whole read (measured on
        # 2 loaded cores: one window at a time took half the time without spinning).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        onnx_path = directory / "model.onnx"
        #: "int8" (the shipped graph) or "fp32" (its weights dequantised at load time), by
        #: ``numerics``, ``$CIVILITY_NUMERICS`` or the CPU (see civility.numerics).
        self.numerics = choose(numerics)
        graph: str | bytes = str(onnx_path)
        if self.numerics == "fp32":
            graph = fp32_graph(onnx_path)
        self._session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        del graph
        # int8 quantises each matrix product's input with one scale for the whole batch
        # (DynamicQuantizeLinear), so a comment's scores would depend on its batchmates and
        # their padding. Read alone, each window gets its own scale: the same scores whatever
        # else is being scored, for ~10 % more time (still faster than fp32 where int8 is
        # picked). fp32 needs no such care: rows never mix.
        self._batch_tokens = batch_tokens if self.numerics == "fp32" else 0
        #: The latest results by (text, must-read spans, screen levels), for repeats.
        self._recent: OrderedDict[tuple, _Kept] = OrderedDict()
        #: The latest windows read, by their word pieces: near-duplicate texts (see predict).
        self._readings: OrderedDict[tuple[int, ...], Reading] = OrderedDict()
        #: The screen's cut-offs by policy levels (a policy's levels rarely change).
        self._cutoffs: dict[tuple[tuple[str, float], ...], np.ndarray] = {}
        self._remember = remember
        self._lock = threading.Lock()
        self.screen = Screen.load(directory)
        if self.screen is not None and self.screen.attributes != self.info.attributes:
            raise ValueError(f"{directory / 'screen.npz'} was trained for other attributes")

    @property
    def version(self) -> str:
        return f"{self.info.name}@{self.info.version}"

    def forget(self) -> None:
        """Drop the results remembered for repeated texts (to measure, or to free memory)."""
        with self._lock:
            self._recent.clear()
            self._readings.clear()

    def predict(
        self,
        texts: Sequence[str],
        *,
        with_embeddings: bool | Sequence[bool] = False,
        screen_levels: Mapping[str, float] | None = None,
        must_read: Sequence[Sequence[tuple[int, int]]] | None = None,
        normalized: Sequence[Normalized] | None = None,
    ) -> list[ModelOutput]:
        """Calibrated probabilities per attribute, token evidence and (optionally) embeddings.

        With ``screen_levels`` (the level per attribute at which the caller acts),
        the screen decides which windows the transformer reads; windows that
        overlap a ``must_read`` character span of their text, and the first
        window of each text whose embedding is asked for (``with_embeddings``:
        one flag for all texts or one per text), are always read. Without it,
        every window is read. Any text whose first window was read gets its
        embedding. ``normalized`` (each text's :func:`~civility.normalize.normalize`,
        which the caller usually has already) saves normalising again.
        """
        if not texts:
            return []
        embed = (
            [with_embeddings] * len(texts)
            if isinstance(with_embeddings, bool)
            else list(with_embeddings)
        )
        # A spam flood repeats one text many times, in one call and across calls: read each
        # distinct text once. Safe because a text's scores never depend on what else is
        # scored with it (see ``_batch_tokens``), so a remembered result is the result.
        # Variants the network cannot tell apart (case, spacing, disguises the normaliser
        # undoes) are caught one step later, by their word pieces (see ``_read``).
        levels = tuple(sorted(screen_levels.items())) if screen_levels is not None else None
        keys = [(t, tuple(must_read[i]) if must_read else (), levels) for i, t in enumerate(texts)]
        with self._lock:
            known = [self._recent.get(k) for k in keys]
            for k, o in zip(keys, known, strict=True):
                if o is not None:
                    self._recent.move_to_end(k)
        for i, o in enumerate(known):
            if o is not None and embed[i] and o[3] is None:
                known[i] = None
        slot: dict[tuple, int] = {}
        which = [-1 if known[i] is not None else slot.setdefault(k, len(slot))
                 for i, k in enumerate(keys)]
        if len(slot) < len(texts):
            firsts: list[int] = []  # where each distinct text not remembered first appears
            wanted = [False] * len(slot)
            for i, u in enumerate(which):
                if u < 0:
                    continue
                if u == len(firsts):
                    firsts.append(i)
                wanted[u] = wanted[u] or embed[i]
            distinct = self.predict(
                [texts[i] for i in firsts],
                with_embeddings=wanted,
                screen_levels=screen_levels,
                must_read=[must_read[i] for i in firsts] if must_read else None,
                normalized=[normalized[i] for i in firsts] if normalized else None,
            ) if firsts else []
            return [_unpack(k) if (k := known[i]) is not None else _copy(distinct[u])
                    for i, u in enumerate(which)]
        windows = self.windows(texts, normalized)
        # A text's embedding is its first window's, kept whenever that window was read
        # (asked for or not: it costs nothing then, and is better than a bound).
        first_windows = {
            w for w in range(len(windows)) if w == 0 or windows[w - 1][0] != windows[w][0]
        }
        n_attr = len(self.info.attributes)
        probs = np.zeros((len(texts), n_attr), np.float32)
        read = list(range(len(windows)))
        if screen_levels is not None and self.screen is not None:
            for_embedding = {w for w in first_windows if embed[windows[w][0]]}
            needed, logits = self._needs_model(windows, screen_levels, for_embedding, must_read)
            if not needed.all():
                estimate = _sigmoid(logits)
                for w in np.flatnonzero(~needed):
                    i = windows[w][0]
                    probs[i] = np.maximum(probs[i], estimate[w])
                read = np.flatnonzero(needed).tolist()
        token_scores: list[dict[tuple[int, int], float]] = [{} for _ in texts]
        embeddings: list[np.ndarray | None] = [None] * len(texts)
        for w, (p, tp, emb) in sorted(self._read(windows, read).items()):  # in text order
            i, _, offs = windows[w]
            probs[i] = np.maximum(probs[i], p)
            for k, off in enumerate(offs):
                score = float(tp[k + 1])
                if score > token_scores[i].get(off, -1.0):
                    token_scores[i][off] = score
            if w in first_windows:
                embeddings[i] = emb
        outputs = [
            ModelOutput(
                scores=dict(zip(self.info.attributes, map(float, probs[i]), strict=True)),
                token_offsets=list(token_scores[i]),
                token_scores=list(token_scores[i].values()),
                embedding=embeddings[i],
            )
            for i in range(len(texts))
        ]
        with self._lock:
            for k, o in zip(keys, outputs, strict=True):
                self._recent[k] = _pack(o)
                self._recent.move_to_end(k)
            while len(self._recent) > self._remember:
                self._recent.popitem(last=False)
        return [_copy(o) for o in outputs]

    def windows(
        self, texts: Sequence[str], normalized: Sequence[Normalized] | None = None
    ) -> list[Window]:
        """Each text as one or more overlapping windows of word pieces, in text order."""
        undisguise = self._preprocess == "normalize"
        prepared = [
            model_text(t, undisguise=undisguise, normalized=normalized[i] if normalized else None)
            if self._preprocess in ("normalize", "demojize")
            else (t, None)
            for i, t in enumerate(texts)
        ]
        encodings = self._tokenizer.encode_batch([p[0] for p in prepared], add_special_tokens=False)
        windows: list[Window] = []
        body = self.info.max_tokens - 2
        for i, enc in enumerate(encodings):
            ids, offsets = enc.ids, original_offsets(enc.offsets, prepared[i][1], texts[i])
            starts = (
                range(0, max(1, len(ids) - body + _WINDOW_STRIDE), _WINDOW_STRIDE)
                if len(ids) > body
                else (0,)
            )
            for s in starts:
                windows.append((i, ids[s : s + body], offsets[s : s + body]))
        return windows

    def window_probs(self, windows: Sequence[Window]) -> np.ndarray:
        """The transformer's calibrated probabilities for every window (to train the screen)."""
        out = np.zeros((len(windows), len(self.info.attributes)), np.float32)
        for batch, p, _, _ in self._run(windows, range(len(windows))):
            out[batch] = p
        return out

    def _needs_model(
        self,
        windows: Sequence[Window],
        levels: Mapping[str, float],
        for_embedding: set[int],
        must_read: Sequence[Sequence[tuple[int, int]]] | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Which windows the transformer must read, and the screen's logits for all of them."""
        assert self.screen is not None
        logits = self.screen.logits([w[1] for w in windows])
        key = tuple(sorted(levels.items()))
        if (cutoffs := self._cutoffs.get(key)) is None:
            cutoffs = self._cutoffs[key] = self.screen.cutoffs(levels)
        needed = self.screen.needs_model(logits, cutoffs)
        for w, (i, _, offs) in enumerate(windows):
            if needed[w]:
                continue
            if w in for_embedding:
                needed[w] = True
            elif must_read and must_read[i] and offs:
                lo, hi = offs[0][0], offs[-1][1]
                needed[w] = any(s < hi and e > lo for s, e in must_read[i])
        return needed, logits

    def _read(self, windows: Sequence[Window], which: Iterable[int]) -> dict[int, Reading]:
        """The network's outputs for the windows in ``which``, reading each distinct sequence
        of word pieces once, in this call or a recent one.

        Texts that differ only in case, spacing or a disguise the normaliser undoes ("BUY
        cheap   p1lls" and "buy cheap pills") give the network the same word pieces, so
        one reading is exactly what a full read of each would give. What it means for each
        text (its character offsets, its rules, its verdict) is still worked out from that
        text alone: different comments share the network's reading, never a result.
        """
        out: dict[int, Reading] = {}
        todo: dict[tuple[int, ...], list[int]] = {}
        with self._lock:
            for w in which:
                key = tuple(windows[w][1])
                if (hit := self._readings.get(key)) is not None:
                    self._readings.move_to_end(key)
                    out[w] = hit
                else:
                    todo.setdefault(key, []).append(w)
        if not todo:
            return out
        fresh: list[tuple[tuple[int, ...], Reading]] = []
        for batch, p, tp, emb in self._run(windows, [same[0] for same in todo.values()]):
            for row, w in enumerate(batch):
                key = tuple(windows[w][1])
                # Copies: a row of a batch would keep the whole batch's arrays alive.
                reading = (p[row].copy(), tp[row, : len(key) + 2].copy(), emb[row].copy())
                fresh.append((key, reading))
                for same in todo[key]:
                    out[same] = reading
        with self._lock:
            for key, reading in fresh:
                self._readings[key] = reading
                self._readings.move_to_end(key)
            while len(self._readings) > self._remember:
                self._readings.popitem(last=False)
        return out

    def _run(
        self, windows: Sequence[Window], which: Iterable[int]
    ) -> Iterator[tuple[list[int], np.ndarray, np.ndarray, np.ndarray]]:
        """Length-sorted batches through the network: (window indices, probs, token probs, emb)."""
        order = sorted(which, key=lambda w: len(windows[w][1]))
        for batch in self._batches(order, windows):
            width = max(len(windows[w][1]) for w in batch) + 2
            ids = np.zeros((len(batch), width), np.int64)
            mask = np.zeros((len(batch), width), np.int64)
            for row, w in enumerate(batch):
                toks = windows[w][1]
                ids[row, : len(toks) + 2] = [self._cls, *toks, self._sep]
                mask[row, : len(toks) + 2] = 1
            logits, token_logits, emb = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask}
            )
            yield batch, _sigmoid(logits * self._scale + self._shift), _sigmoid(token_logits), emb

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length sentence embeddings (first window), for topicality."""
        outs = self.predict(texts, with_embeddings=True)
        return np.array([o.embedding for o in outs], np.float32)

    def _batches(self, order: list[int], windows: list) -> list[list[int]]:
        """Group length-sorted windows so each batch holds about ``batch_tokens`` tokens.

        Small batches are faster on CPU, not just leaner: on 2 cores 512 tokens
        scored 25 % faster than 4,096 and peaked 120 MB lower (activations stay
        in cache). Padding is already minimal because windows are length-sorted.
        With ``batch_tokens`` 0 (int8), every window is a batch of its own.
        """
        out: list[list[int]] = []
        current: list[int] = []
        for w in order:
            width = len(windows[w][1]) + 2
            if current and width * (len(current) + 1) > self._batch_tokens:
                out.append(current)
                current = []
            current.append(w)
        if current:
            out.append(current)
        return out


def model_text(
    text: str, *, undisguise: bool = True, normalized: Normalized | None = None
) -> tuple[str, list[int] | None]:
    """The text the network reads, with a map back to ``text``.

    - **Disguises undone** (``undisguise``): the network reads the normaliser's
      text (:func:`civility.normalize.normalize`), so "v3rm1n", "k i l l",
      look-alike Cyrillic letters and "fuuuck" reach it as the words they stand
      for; it learnt those words, not their disguises. Lower-casing changes
      nothing (the tokenizer lower-cases too). An ``@`` that starts a word stays:
      it is a mention ("@USER"), not a disguised "a". Text written mostly in
      another script is read as written: the normaliser would turn genuine
      Russian words made only of Latin look-alikes ("не", "а") into Latin.
    - **Emoji spelled out**: MiniLM's vocabulary has no emoji, so "I would love to
      🔫 some 👳🏾" reads as "[UNK] [UNK]" and the hate is invisible. Each emoji
      becomes its Unicode name ("pistol", "man with turban"); skin-tone
      modifiers, joiners and variation selectors are dropped.

    ``normalized`` is ``normalize(text)`` when the caller has it already.
    ``offsets`` has one entry per character of the model text plus one:
    ``offsets[i]`` is the index in ``text`` of the character that produced
    character ``i``, the last is ``len(text)``; ``None`` when nothing changed
    but case.
    """
    base, base_offsets = text, None
    if undisguise and _mostly_latin(text):
        norm = normalized if normalized is not None else normalize(text)
        if len(norm.text) != len(text) or norm.offsets != tuple(range(len(text) + 1)):
            base_offsets = list(norm.offsets)
        base = _keep_mentions(norm.text, norm.offsets, text) if "@" in text else norm.text
    spelled, emoji_offsets = _spell_emoji(base)
    if emoji_offsets is None:
        return spelled, base_offsets
    if base_offsets is None:
        return spelled, emoji_offsets
    return spelled, [base_offsets[i] for i in emoji_offsets]


def _mostly_latin(text: str) -> bool:
    """Whether most of the letters are Latin (ASCII, accented or extended)."""
    if text.isascii():
        return True
    latin = other = 0
    for c in text:
        if c.isalpha():
            if ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF:
                latin += 1
            else:
                other += 1
    return latin >= other


def _keep_mentions(normalized: str, offsets: Sequence[int], original: str) -> str:
    """Put back the "@" of "@name" that the normaliser read as a leetspeak "a"."""
    chars = list(normalized)
    for i, c in enumerate(chars):
        o = offsets[i]
        if c == "a" and original[o] == "@" and (o == 0 or not original[o - 1].isalnum()):
            chars[i] = "@"
    return "".join(chars)


def _spell_emoji(text: str) -> tuple[str, list[int] | None]:
    """Emoji as their names; ``None`` for offsets when there were none."""
    if text.isascii():
        return text, None
    out: list[str] = []
    offsets: list[int] = []
    changed = False
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category == "So" and ord(ch) > 0x2000:
            name = unicodedata.name(ch, "").lower()
            piece = f" {name} " if name else " "
            changed = True
        elif 0x1F3FB <= ord(ch) <= 0x1F3FF or ch in "\u200d\ufe0f":
            piece = ""
            changed = True
        else:
            piece = ch
        out.append(piece)
        offsets.extend([i] * len(piece))
    if not changed:
        return text, None
    offsets.append(len(text))
    return "".join(out), offsets


def original_offsets(
    offsets: Sequence[tuple[int, int]], mapping: Sequence[int] | None, text: str = ""
) -> list[tuple[int, int]]:
    """Token offsets in the model text → offsets in the original ``text``.

    A token covers all of the source characters behind it ("🔫" read as
    "pistol", "fuuuck" read as "fuck"), but not the separators the normaliser
    dropped after it ("m o r " behind the piece "mor" of "m o r o n" is "m o r").
    """
    if mapping is None:
        return list(offsets)
    n = len(mapping) - 1
    out = []
    for s, e in offsets:
        if not 0 <= s < e <= n:
            out.append((s, s))
            continue
        last, j = mapping[e - 1], e
        while mapping[j] <= last:
            j += 1
        end = mapping[j]
        while end > last + 1 and end <= len(text) and text[end - 1] in _SEPARATORS:
            end -= 1
        out.append((mapping[s], end))
    return out


#: A remembered result, packed: (scores, token offsets (n, 2), token scores, embedding). Numpy
#: arrays hold the token evidence in a third of the memory of lists of tuples and floats,
#: and give back exactly the same numbers (the scores were float32 to begin with).
_Kept = tuple[dict[str, float], np.ndarray, np.ndarray, np.ndarray | None]


def _pack(out: ModelOutput) -> _Kept:
    return (dict(out.scores), np.array(out.token_offsets, np.int64).reshape(-1, 2),
            np.array(out.token_scores, np.float32),
            None if out.embedding is None else out.embedding.copy())


def _unpack(kept: _Kept) -> ModelOutput:
    """A remembered result as a fresh output of its own (changing it changes no twin)."""
    scores, offsets, token_scores, embedding = kept
    return ModelOutput(
        scores=dict(scores),
        token_offsets=[(s, e) for s, e in offsets.tolist()],
        token_scores=token_scores.tolist(),
        embedding=None if embedding is None else embedding.copy(),
    )


def _copy(out: ModelOutput) -> ModelOutput:
    """A duplicate's own output, so changing one text's result leaves its twins alone."""
    return ModelOutput(
        scores=dict(out.scores),
        token_offsets=list(out.token_offsets),
        token_scores=list(out.token_scores),
        embedding=None if out.embedding is None else out.embedding.copy(),
    )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def shared_scorer(
    path: str | None = None, threads: int | None = None, numerics: str | None = None
) -> NeuralScorer:
    """One scorer per process and numerics: loading the model takes ~0.3 s and ~100 MB."""
    from civility.numerics import choose

    return _shared_scorer(path, threads, choose(numerics))


@cache
def _shared_scorer(path: str | None, threads: int | None, numerics: str) -> NeuralScorer:
    return NeuralScorer(path, threads=threads, numerics=numerics)
