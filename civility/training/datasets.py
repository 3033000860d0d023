"""Map the public datasets in ``../shared/data`` onto Civility's attributes.

Each loader yields :class:`Example` records whose ``labels`` name only the
attributes that dataset actually speaks to; every other attribute is left out
and its loss is masked during training. Only permissively licensed sets are
used for training (see the data MANIFEST); the research-only ones are read by
``evaluate`` alone.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from civility.records import MODEL_ATTRIBUTES

csv.field_size_limit(10_000_000)

Split = str  # "train" | "val" | "test"


@dataclass(slots=True)
class Example:
    text: str
    labels: dict[str, float]
    source: str
    split: Split
    #: Character spans of toxic words; ``None`` means the dataset has no span annotation.
    spans: list[tuple[int, int]] | None = None
    meta: dict[str, str] = field(default_factory=dict)


def hash_split(key: str, val: float = 0.1, test: float = 0.1) -> Split:
    """A stable split for datasets that ship without one."""
    h = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if h < test else "val" if h < test + val else "train"


def _clean(text: str) -> str:
    return " ".join(text.replace("\u200b", "").split())


# --------------------------------------------------------------------------- toxic spans
def toxic_spans(root: Path) -> Iterator[Example]:
    """Civil Comments posts with typed spans (ACL 2022) for training; SemEval test for testing.

    A type counts for a post when at least half of its raters marked a span of
    that type; character positions count as toxic when half the raters marked them.
    """
    d = root / "toxic_spans"
    held_out = set()
    for name, split in (("tsd_test.csv", "test"), ("tsd_trial.csv", "val")):
        with open(d / name, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                held_out.add(row["text"].strip())
                spans = _runs(ast.literal_eval(row["spans"]))
                yield Example(row["text"], {"toxicity": 1.0}, "toxic_spans", split, spans)

    with open(d / "comments.csv", newline="", encoding="utf-8") as f:
        comments = {r["comment_id"]: r["comment_text"] for r in csv.DictReader(f)}
    raters: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    with open(d / "annotations.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            raters[r["comment_id"]].append((r["annotation"], r["not toxic"] == "True"))
    by_annotation: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    with open(d / "spans.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            by_annotation[r["annotation"]].append((r["type"], int(r["start"]), int(r["end"])))

    type_to_attr = {
        "Insult": "insult",
        "Profane/Obscene": "profanity",
        "Identity based Attack": "identity_attack",
        "Threat": "threat",
    }
    for cid, anns in raters.items():
        text = comments.get(cid)
        if not text or text.strip() in held_out:
            continue
        n = len(anns)
        half = n / 2
        not_toxic = sum(nt for _, nt in anns)
        labels = {"toxicity": float(not_toxic < half)}
        type_votes: dict[str, int] = defaultdict(int)
        char_votes = [0] * (len(text) + 1)
        for ann, _ in anns:
            seen = set()
            for typ, s, e in by_annotation.get(ann, []):
                seen.add(typ)
                for i in range(max(0, s), min(e, len(text))):
                    char_votes[i] += 1
            for typ in seen:
                type_votes[typ] += 1
        for typ, attr in type_to_attr.items():
            labels[attr] = float(type_votes[typ] >= half)
        if labels["toxicity"] == 0.0:
            labels.update(severe_toxicity=0.0, sexually_explicit=0.0, dehumanization=0.0)
        chars = [i for i, v in enumerate(char_votes) if v >= half and v > 0]
        yield Example(
            text, labels, "toxic_spans", hash_split(cid, val=0.05, test=0.0), _runs(chars)
        )


def _runs(chars: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for c in sorted(set(chars)):
        if out and c == out[-1][1]:
            out[-1] = (out[-1][0], c + 1)
        else:
            out.append((c, c + 1))
    return out


# --------------------------------------------------------------------------- hatexplain
_HX = {0: "hate", 1: "normal", 2: "offensive"}


def _hatexplain_labels(label: int, votes: list[int]) -> dict[str, float]:
    kind = _HX[label]
    if kind == "normal":
        return dict.fromkeys(
            (
                "toxicity",
                "identity_attack",
                "severe_toxicity",
                "threat",
                "dehumanization",
                "insult",
            ),
            0.0,
        )
    labels = {"toxicity": 1.0, "identity_attack": float(kind == "hate")}
    if kind == "hate":
        labels["severe_toxicity"] = float(votes.count(0) == 3)
    return labels


def hatexplain(root: Path) -> Iterator[Example]:
    d = root / "hatexplain"
    with open(d / "hatexplain_train_flat.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            votes = [int(v) for v in r["labels"].split(",")]
            label = int(r["majority_label"])
            yield Example(
                r["text"],
                _hatexplain_labels(label, votes),
                "hatexplain",
                "train",
                meta={"targets": r["targets"]},
            )
    for name, split in (("hatexplain_validation.jsonl", "val"), ("hatexplain_test.jsonl", "test")):
        with open(d / name, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                votes = r["annotators"]["label"]
                majority = max(set(votes), key=votes.count)
                if votes.count(majority) == 1:  # three-way split: undecided post, as in the paper
                    continue
                tokens = r["post_tokens"]
                text = " ".join(tokens)
                spans = _rationale_spans(tokens, r.get("rationales") or [])
                yield Example(
                    text,
                    _hatexplain_labels(majority, votes),
                    "hatexplain",
                    split,
                    spans,
                    meta={"label": _HX[majority]},
                )


def _rationale_spans(
    tokens: list[str], rationales: list[list[int]]
) -> list[tuple[int, int]] | None:
    if not rationales:
        return None
    spans, pos = [], 0
    for i, tok in enumerate(tokens):
        if sum(r[i] for r in rationales if i < len(r)) * 2 > len(rationales):
            spans.append((pos, pos + len(tok)))
        pos += len(tok) + 1
    return spans


# --------------------------------------------------------------------------- davidson
def davidson(root: Path) -> Iterator[Example]:
    """Tweets: hate / offensive / neither. "Offensive" here is mostly profanity and slurs."""
    with open(root / "davidson" / "labeled_data.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            cls = int(r["class"])
            n = int(r["count"])
            hate = int(r["hate_speech"]) / n
            if cls == 2:
                labels = {
                    "toxicity": 0.0,
                    "identity_attack": 0.0,
                    "profanity": 0.0,
                    "insult": 0.0,
                    "sexually_explicit": 0.0,
                    "threat": 0.0,
                }
            elif cls == 1:
                labels = {"toxicity": 1.0, "identity_attack": float(hate >= 0.5)}
            else:
                labels = {"toxicity": 1.0, "identity_attack": 1.0}
            yield Example(
                r["tweet"], labels, "davidson", hash_split("dv" + r[""]), meta={"class": str(cls)}
            )


# --------------------------------------------------------------------------- olid
def olid(root: Path) -> Iterator[Example]:
    d = root / "olid"
    with open(d / "olid-training-v1.0.tsv", encoding="utf-8") as f:
        rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        for r in rows:
            labels = _olid_labels(r["subtask_a"], r["subtask_b"], r["subtask_c"])
            yield Example(r["tweet"], labels, "olid", hash_split("olid" + r["id"], 0.08, 0.0))
    with open(d / "labels-levela.csv", encoding="utf-8") as f:
        gold = {r["id"]: r["label"] for r in csv.DictReader(f)}
    with open(d / "testset-levela.tsv", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            yield Example(r["tweet"], {"toxicity": float(gold[r["id"]] == "OFF")}, "olid", "test")


def _olid_labels(a: str, b: str, c: str) -> dict[str, float]:
    if a == "NOT":
        return {
            "toxicity": 0.0,
            "insult": 0.0,
            "threat": 0.0,
            "identity_attack": 0.0,
            "profanity": 0.0,
            "severe_toxicity": 0.0,
            "dehumanization": 0.0,
        }
    labels = {"toxicity": 1.0}
    if b == "TIN" and c == "IND":
        labels["insult"] = 1.0
    return labels


# --------------------------------------------------------------------------- implicit hate
def implicit_hate(root: Path) -> Iterator[Example]:
    d = root / "implicit_hate"
    threatening: set[str] = set()
    with open(d / "implicit_hate_v1_stg2_posts.tsv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if (
                r["implicit_class"] == "threatening"
                or r.get("extra_implicit_class") == "threatening"
            ):
                threatening.add(_clean(r["post"]))
    with open(d / "implicit_hate_v1_stg1_posts.tsv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            text = _clean(r["post"])
            cls = r["class"]
            if cls == "not_hate":
                labels = {
                    "toxicity": 0.0,
                    "identity_attack": 0.0,
                    "threat": 0.0,
                    "dehumanization": 0.0,
                    "severe_toxicity": 0.0,
                }
            else:
                labels = {
                    "identity_attack": 1.0,
                    "toxicity": 1.0 if cls == "explicit_hate" else 0.7,
                }
                labels["threat"] = float(text in threatening)
            yield Example(text, labels, "implicit_hate", hash_split("ih" + text))


# --------------------------------------------------------------------------- hatemoji
def hatemoji(root: Path) -> Iterator[Example]:
    d = root / "hatemoji"
    for name, split in (
        ("build_train.csv", "train"),
        ("build_validation.csv", "val"),
        ("build_test.csv", "test"),
    ):
        with open(d / name, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                t = r["type"]
                if r["label_gold"] == "0":
                    labels = {
                        "toxicity": 0.0,
                        "identity_attack": 0.0,
                        "threat": 0.0,
                        "dehumanization": 0.0,
                        "severe_toxicity": 0.0,
                    }
                else:
                    labels = {
                        "toxicity": 1.0,
                        "identity_attack": 1.0,
                        "dehumanization": float(t == "dehumanizinglanguage"),
                        "threat": float(t == "threateninglanguage"),
                    }
                    if t in ("dehumanizinglanguage", "threateninglanguage"):
                        labels["severe_toxicity"] = 1.0
                yield Example(r["text"], labels, "hatemoji", split, meta={"type": t})


# --------------------------------------------------------------------------- convabuse
def convabuse(root: Path) -> Iterator[Example]:
    d = root / "convabuse"
    for name, split in (
        ("ConvAbuseEMNLPtrain.csv", "train"),
        ("ConvAbuseEMNLPvalid.csv", "val"),
        ("ConvAbuseEMNLPtest.csv", "test"),
    ):
        with open(d / name, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                sev, sexual, ident, n = [], 0, 0, 0
                for a in range(1, 9):
                    p = f"Annotator{a}_"
                    if not r.get(p + "is_abuse.1"):
                        continue
                    n += 1
                    for level in (1, 0, -1, -2, -3):
                        if r.get(f"{p}is_abuse.{level}") == "1":
                            sev.append(level)
                    sexual += r.get(p + "sex_harassment") == "1"
                    ident += any(
                        r.get(p + k) == "1"
                        for k in ("racist", "homophobic", "transphobic", "ableist", "sexist")
                    )
                if not sev:
                    continue
                mean = sum(sev) / len(sev)
                abusive = mean < 0
                labels = {
                    "toxicity": float(abusive),
                    "severe_toxicity": float(mean <= -2),
                    "sexually_explicit": float(sexual * 2 > n),
                    "identity_attack": float(ident * 2 > n),
                }
                yield Example(r["user"], labels, "convabuse", split)


# --------------------------------------------------------------------------- toxigen seeds
def toxigen_seeds(root: Path) -> Iterator[Example]:
    """Human-written statements about 16 groups: hateful vs. neutral mentions (MIT)."""
    with open(root / "toxigen" / "toxigen_seed_statements.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            hate = r["label"] == "hate"
            labels = {"toxicity": float(hate), "identity_attack": float(hate)}
            if not hate:
                labels.update(
                    threat=0.0,
                    dehumanization=0.0,
                    insult=0.0,
                    profanity=0.0,
                    severe_toxicity=0.0,
                    sexually_explicit=0.0,
                )
            yield Example(_clean(r["text"]), labels, "toxigen_seeds", hash_split("tg" + r["text"]))


TRAIN_SOURCES = {
    "toxic_spans": toxic_spans,
    "hatexplain": hatexplain,
    "davidson": davidson,
    "olid": olid,
    "implicit_hate": implicit_hate,
    "hatemoji": hatemoji,
    "convabuse": convabuse,
    "toxigen_seeds": toxigen_seeds,
}


def load_all(root: Path, sources: dict | None = None) -> list[Example]:
    out: list[Example] = []
    for loader in (sources or TRAIN_SOURCES).values():
        out.extend(ex for ex in loader(root) if ex.text.strip())
    for ex in out:
        unknown = set(ex.labels) - set(MODEL_ATTRIBUTES)
        assert not unknown, unknown
    return out
