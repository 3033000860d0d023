"""Measure the shipped pipeline on every dataset's held-out split.

Scores come from the full pipeline a user runs (model + lexical rules +
policy), not the bare network, so the figures describe what Civility does.
Research-only datasets (no licence to train on) are used here only.
"""

from __future__ import annotations

import ast
import csv
import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from civility.training.datasets import TRAIN_SOURCES, Example
from civility.training.synthetic import generate

csv.field_size_limit(10_000_000)


@dataclass
class Result:
    dataset: str
    n: int
    metrics: dict[str, float] = field(default_factory=dict)
    note: str = ""


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else float("nan")


def macro_f1(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, p >= threshold, average="macro"))


def span_f1(gold: Sequence[set[int]], pred: Sequence[set[int]]) -> float:
    """SemEval-2021 Task 5 metric: per-post F1 over character offsets, averaged."""
    scores = []
    for g, p in zip(gold, pred, strict=True):
        if not g and not p:
            scores.append(1.0)
        elif not g or not p:
            scores.append(0.0)
        else:
            tp = len(g & p)
            scores.append(2 * tp / (len(g) + len(p)))
    return float(np.mean(scores))


Scorer = Callable[[list[str]], list]  # texts -> verdicts


def _labelled_metrics(name: str, examples: list[Example], verdicts: list) -> Result:
    res = Result(name, len(examples))
    attrs = sorted({a for e in examples for a in e.labels})
    for attr in attrs:
        pairs = [
            (e.labels[attr], v.attributes[attr])
            for e, v in zip(examples, verdicts, strict=True)
            if attr in e.labels
        ]
        y = np.array([a >= 0.5 for a, _ in pairs])
        p = np.array([b for _, b in pairs])
        if 0 < y.sum() < len(y):
            res.metrics[f"{attr}.auroc"] = roc_auc(y, p)
            res.metrics[f"{attr}.macro_f1"] = macro_f1(y, p)
    flagged = np.array([v.decision != "publish" for v in verdicts])
    y_tox = np.array([e.labels.get("toxicity", 0) >= 0.5 for e in examples])
    if 0 < y_tox.sum() < len(y_tox):
        from sklearn.metrics import f1_score

        res.metrics["decision.flag_macro_f1"] = float(f1_score(y_tox, flagged, average="macro"))
    return res


def public_test_sets(root: Path) -> dict[str, list[Example]]:
    """Each training dataset's own test split, plus our synthetic set's."""
    out: dict[str, list[Example]] = {}
    for name, loader in TRAIN_SOURCES.items():
        tests = [e for e in loader(root) if e.split == "test" and e.text.strip()]
        if tests:
            out[name] = tests
    out["synthetic"] = [e for e in generate() if e.split == "test"]
    return out


_TSV: dict[str, Any] = {"delimiter": "\t", "quoting": csv.QUOTE_NONE}


def _rows(path: Path, **reader: Any) -> list[dict[str, str]]:
    """A CSV's rows, or none when that dataset is not in the folder."""
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, **reader))


def research_sets(root: Path) -> dict[str, list[Example]]:
    """Evaluation-only datasets: never trained on (licences), so they measure generalisation."""
    ghc = _rows(root / "ghc" / "ghc_test.tsv", **_TSV)
    toxigen = _rows(root / "toxigen" / "toxigen_annotated_subset_4526.tsv", **_TSV)
    pairs: dict[str, list[tuple[str, dict[str, float]]]] = {
        "ethos": [
            (r["comment"], {"identity_attack": float(float(r["isHate"]) >= 0.5)})
            for r in _rows(root / "ethos" / "Ethos_Dataset_Binary.csv", delimiter=";")
        ],
        "ghc": [
            (
                r["text"],
                {
                    "identity_attack": float("1" in (r["hd"], r["cv"])),
                    "threat": float(r["cv"] == "1"),
                    "profanity": float(r["vo"] == "1"),
                },
            )
            for r in ghc
        ],
        "stormfront": [
            (r["text"], {"identity_attack": float(r["label"] == "hate")})
            for r in _rows(root / "stormfront" / "stormfront_sentences.csv")
            if r["sampled_split"] == "test" and r["label"] in ("hate", "noHate")
        ],
        "hateval": [
            (r["text"], {"identity_attack": float(r["label"] == "1")})
            for r in _rows(root / "tweeteval_hate" / "hateval_en.csv")
            if r["split"] == "test" and r["text"].strip()
        ],
        "toxigen_annotated": [
            (
                r["text"],
                dict.fromkeys(
                    ("toxicity", "identity_attack"), float(float(r["toxicity_human"]) >= 3.0)
                ),
            )
            for r in toxigen
        ],
        "dehumanization": _dehumanization(root / "dehumanization" / "evaluation_set.csv"),
    }
    return {
        name: [Example(text, labels, name, "test") for text, labels in rows]
        for name, rows in pairs.items()
        if rows
    }


def _dehumanization(path: Path) -> list[tuple[str, dict[str, float]]]:
    """Posts both annotators agreed on after discussion (two header rows, one-hot triples)."""
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[2:]
    out = []
    for r in rows:
        after = [r[4:7], r[10:13]]
        yes = sum(a[0] == "1" for a in after if len(a) == 3)
        no = sum(a[1] == "1" for a in after if len(a) == 3)
        if yes + no == 2 and yes != 1:
            out.append((r[0], {"dehumanization": float(yes == 2)}))
    return out


def toxic_spans_f1(root: Path, moderate: Scorer) -> Result:
    with open(root / "toxic_spans" / "tsd_test.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    texts = [r["text"] for r in rows]
    gold = [set(ast.literal_eval(r["spans"])) for r in rows]
    verdicts = moderate(texts)
    pred = [{i for s in v.spans for i in range(s.start, s.end)} for v in verdicts]
    return Result("toxic_spans (SemEval test)", len(rows), {"span_f1": span_f1(gold, pred)})


def identity_template_fpr(root: Path, moderate: Scorer, limit: int | None = None) -> Result:
    """Share of non-toxic identity-template sentences that are not published."""
    with open(root / "jigsaw_bias_templates" / "en_sentence_templates.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["toxicity"] == "nontoxic"]
    if limit:
        rows = random.Random(0).sample(rows, min(limit, len(rows)))
    verdicts = moderate([r["phrase"] for r in rows])
    flagged = [v.decision != "publish" for v in verdicts]
    tox = [v.attributes["toxicity"] >= 0.5 for v in verdicts]
    ident = [v.attributes["identity_attack"] >= 0.5 for v in verdicts]
    return Result(
        "jigsaw_bias_templates (en, non-toxic)",
        len(rows),
        {
            "flagged_rate": float(np.mean(flagged)),
            "toxicity_over_half_rate": float(np.mean(tox)),
            "identity_attack_over_half_rate": float(np.mean(ident)),
        },
    )


def example_page(root: Path, moderate_page: Callable) -> Result | None:
    page = root.parent / "examples" / "news-page-with-comments.txt"
    labels = root.parent / "examples" / "news-page-with-comments.labels.jsonl"
    if not page.exists() or not labels.exists():
        return None
    verdicts = moderate_page(page)
    gold = [json.loads(line) for line in labels.read_text().splitlines() if line.strip()]
    right, groups_right, flag_total = 0, 0, 0
    for g in gold:
        v = verdicts[g["comment"] - 1]
        if g["expect"] == "flag":
            flag_total += 1
            right += v.decision != "publish"
            groups_right += set(g["targets"]) <= {t.group for t in v.targets}
        elif g["expect"] == "publish":
            right += v.decision == "publish"
    must = sum(g["expect"] != "either" for g in gold)
    return Result(
        "example page",
        len(gold),
        {"decisions_right": right / must, "targets_right": groups_right / flag_total},
    )


def evaluate(
    root: Path,
    *,
    model: str | None = None,
    quick: bool = False,
    screen: bool = True,
    progress: Callable[[str], None] = print,
) -> list[Result]:
    from civility.moderator import Moderator
    from civility.read import read_page

    moderator = Moderator(model=model, screen=screen)

    def moderate(texts: list[str]) -> list:
        out = []
        for i in range(0, len(texts), 512):
            out.extend(moderator.moderate(texts[i : i + 512]))
        return out

    results: list[Result] = []
    research = research_sets(root)
    for name, examples in {**public_test_sets(root), **research}.items():
        if quick:
            examples = examples[:300]
        progress(f"{name}: {len(examples)} examples")
        result = _labelled_metrics(name, examples, moderate([e.text for e in examples]))
        if name in research:
            result.note = "research-only: never trained on"
        if result.metrics:  # e.g. Toxic Spans' test posts are all toxic: only its spans score
            results.append(result)
    progress("toxic spans")
    results.append(toxic_spans_f1(root, moderate))
    progress("identity templates")
    results.append(identity_template_fpr(root, moderate, limit=2000 if quick else None))
    page = example_page(root, lambda p: moderator.moderate_page(read_page(p)))
    if page:
        results.append(page)
    return results


def print_results(results: Iterable[Result]) -> None:
    """One row per dataset and attribute: AUROC and macro-F1 side by side."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Civility evaluation (full pipeline: model + rules + default policy)")
    for col in ("dataset", "n", "attribute", "AUROC", "macro-F1", "other"):
        table.add_column(col, no_wrap=col != "other")
    for r in results:
        rows: dict[str, dict[str, float]] = {}
        for key, value in r.metrics.items():
            attr, _, metric = key.rpartition(".")
            rows.setdefault(attr or "—", {})[metric] = value
        for i, (attr, metrics) in enumerate(sorted(rows.items())):
            other = ", ".join(
                f"{k} {v:.3f}" for k, v in metrics.items() if k not in ("auroc", "macro_f1")
            )
            table.add_row(
                r.dataset if i == 0 else "",
                str(r.n) if i == 0 else "",
                attr,
                f"{metrics['auroc']:.3f}" if "auroc" in metrics else "",
                f"{metrics['macro_f1']:.3f}" if "macro_f1" in metrics else "",
                other + (f"  ({r.note})" if r.note and i == 0 else ""),
            )
        table.add_section()
    Console(width=140).print(table)
