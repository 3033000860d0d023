"""Measure the shipped pipeline on every dataset's held-out split and on our functional suite.

Scores come from the full pipeline a user runs (model + lexical rules +
policy), not the bare network, so the figures describe what Civility does.
Research-only datasets (no licence to train on) are used here only. The
functional suite (:mod:`civility.training.functional`) ships in the package,
so it runs even where the datasets folder is absent.
"""

from __future__ import annotations

import ast
import csv
import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from civility.training import functional
from civility.training.datasets import TRAIN_SOURCES, Example
from civility.training.synthetic import generate

if TYPE_CHECKING:
    from rich.table import Table

csv.field_size_limit(10_000_000)


@dataclass
class Result:
    dataset: str
    n: int
    metrics: dict[str, float] = field(default_factory=dict)
    note: str = ""
    #: "datasets" or "functional" (one row per functionality of our own suite).
    section: str = "datasets"
    #: A few failing cases, for whoever works on that functionality next.
    failures: list[str] = field(default_factory=list)


#: Names ``--only`` accepts besides individual dataset names.
SECTIONS = ("functional", "public", "research", "toxic_spans", "identity_templates",
            "example_page")
RESEARCH_SETS = ("ethos", "ghc", "stormfront", "hateval", "toxigen_annotated", "dehumanization")
PUBLIC_SETS = (*TRAIN_SOURCES, "synthetic")


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
        y, p = _labelled(attr, examples, verdicts)
        if 0 < y.sum() < len(y):
            res.metrics[f"{attr}.auroc"] = roc_auc(y, p)
            res.metrics[f"{attr}.macro_f1"] = macro_f1(y, p)
    flagged = np.array([v.decision != "publish" for v in verdicts])
    y_tox = np.array([e.labels.get("toxicity", 0) >= 0.5 for e in examples])
    if 0 < y_tox.sum() < len(y_tox):
        from sklearn.metrics import f1_score

        res.metrics["decision.flag_macro_f1"] = float(f1_score(y_tox, flagged, average="macro"))
    return res


#: Attributes whose F1-optimal cut is fitted on the dataset's own validation split (never its
#: test split) and reported beside the figures at 0.5: OLID is judged by macro-F1, which
#: depends on where the probability is cut, and its tweets are terser than the mix the
#: scores were calibrated on.
FIT_ON_VALIDATION: dict[str, tuple[str, ...]] = {"olid": ("toxicity",)}


def fit_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The cut (0.05 ... 0.95, in hundredths) with the best macro-F1; ties go nearest 0.5."""
    from sklearn.metrics import f1_score

    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    scores = [f1_score(y, p >= t, average="macro") for t in grid]
    best = max(scores)
    return float(min((t for t, f in zip(grid, scores, strict=True) if f >= best - 1e-12),
                     key=lambda t: abs(t - 0.5)))


def _fitted_metrics(name: str, val: list[Example], val_verdicts: list, test: list[Example],
                    test_verdicts: list) -> dict[str, float]:
    """Macro-F1 on test at each attribute's cut fitted on ``val``."""
    out: dict[str, float] = {}
    for attr in FIT_ON_VALIDATION.get(name, ()):
        yv, pv = _labelled(attr, val, val_verdicts)
        yt, pt = _labelled(attr, test, test_verdicts)
        if 0 < yv.sum() < len(yv) and 0 < yt.sum() < len(yt):
            cut = fit_threshold(yv, pv)
            out[f"{attr}.fitted_threshold"] = cut
            out[f"{attr}.macro_f1_at_fitted"] = macro_f1(yt, pt, cut)
    return out


def _labelled(attr: str, examples: list[Example], verdicts: list) -> tuple[np.ndarray, np.ndarray]:
    """Gold labels (>= 0.5) and scores of ``attr`` for the examples that label it."""
    rows = [(e.labels[attr] >= 0.5, v.attributes[attr])
            for e, v in zip(examples, verdicts, strict=True) if attr in e.labels]
    return np.array([a for a, _ in rows], dtype=bool), np.array([b for _, b in rows])


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


def toxic_spans_f1(root: Path, moderate: Scorer, limit: int | None = None) -> Result:
    with open(root / "toxic_spans" / "tsd_test.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:limit]
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


def check_names(names: Iterable[str]) -> None:
    """Raise ``ValueError`` naming any part of the evaluation that does not exist."""
    unknown = set(names) - {*SECTIONS, *PUBLIC_SETS, *RESEARCH_SETS}
    if unknown:
        raise ValueError(
            f"unknown evaluation {', '.join(sorted(unknown))}; choose from "
            f"{', '.join((*SECTIONS, *PUBLIC_SETS, *RESEARCH_SETS))}"
        )


def functional_results(
    moderate: Callable[[list[str], str | None], list], limit: int | None = None
) -> list[Result]:
    """Accuracy per functionality of our own suite, plus one overall row.

    ``moderate(texts, article)`` scores one batch posted under one article (or none).
    ``limit`` takes at most that many cases per functionality, spread over its families.
    """
    cases = functional.subset(functional.suite(), limit)
    verdicts: list = [None] * len(cases)
    by_article: dict[str | None, list[int]] = {}
    for i, case in enumerate(cases):
        by_article.setdefault(case.article, []).append(i)
    for article, indices in by_article.items():
        for i, v in zip(indices, moderate([cases[i].text for i in indices], article), strict=True):
            verdicts[i] = v
    results = []
    for s in functional.score_suite(cases, verdicts):
        metrics = {"accuracy": s.accuracy}
        if s.attribute_n:
            metrics["attribute_rate"] = s.attribute_hits / s.attribute_n
        if s.target_n:
            metrics["target_rate"] = s.target_hits / s.target_n
        results.append(Result(s.name, s.n, metrics, note=f"{s.description} (expect {s.expect})",
                              section="functional", failures=s.failures))
    right = [functional.passes(c, v.decision) for c, v in zip(cases, verdicts, strict=True)]
    held = [r for c, r in zip(cases, right, strict=True) if c.held_out]
    trainable = [r for c, r in zip(cases, right, strict=True) if not c.held_out]
    overall = {
        "accuracy": float(np.mean(right)),
        "macro_accuracy": float(np.mean([r.metrics["accuracy"] for r in results])),
        "min_accuracy": min(r.metrics["accuracy"] for r in results),
        "functionalities": float(len(results)),
    }
    if held:
        overall["held_out_accuracy"] = float(np.mean(held))
    if trainable:
        overall["trainable_accuracy"] = float(np.mean(trainable))
    results.append(Result("overall", len(cases), overall, section="functional"))
    return results


def evaluate(
    root: Path | None,
    *,
    model: str | None = None,
    quick: bool = False,
    screen: bool = True,
    only: Iterable[str] | None = None,
    limit: int | None = None,
    progress: Callable[[str], None] = print,
) -> list[Result]:
    """Every measure, or those named in ``only`` (see :data:`SECTIONS` and dataset names).

    ``limit`` caps examples per dataset, cases per functionality and identity
    templates; ``quick`` is ``limit=300`` (2,000 identity templates). Without
    ``root`` only the functional suite runs.
    """
    from civility.moderator import Moderator
    from civility.read import read_page

    wanted = set(only) if only else None
    check_names(wanted or ())

    def selected(name: str, section: str | None = None) -> bool:
        return wanted is None or name in wanted or (section is not None and section in wanted)

    if quick and limit is None:
        limit = 300
    moderator = Moderator(model=model, screen=screen)

    def moderate(texts: list[str], article: str | None = None) -> list:
        out = []
        for i in range(0, len(texts), 512):
            out.extend(moderator.moderate(texts[i : i + 512], article=article))
        return out

    results: list[Result] = []
    if selected("functional"):
        progress("functional suite")
        results.extend(functional_results(moderate, limit))
    if root is None:
        return results
    research = research_sets(root) if any(selected(n, "research") for n in RESEARCH_SETS) else {}
    public = (
        public_test_sets(root) if any(selected(n, "public") for n in PUBLIC_SETS) else {}
    )
    for name, examples in {**public, **research}.items():
        if not selected(name, "research" if name in research else "public"):
            continue
        if limit:
            examples = examples[:limit]
        progress(f"{name}: {len(examples)} examples")
        verdicts = moderate([e.text for e in examples])
        result = _labelled_metrics(name, examples, verdicts)
        if name in FIT_ON_VALIDATION and name in TRAIN_SOURCES:
            val = [e for e in TRAIN_SOURCES[name](root) if e.split == "val" and e.text.strip()]
            val = val[:limit] if limit else val
            progress(f"{name}: fitting thresholds on {len(val)} validation examples")
            result.metrics.update(_fitted_metrics(
                name, val, moderate([e.text for e in val]), examples, verdicts))
        if name in research:
            result.note = "research-only: never trained on"
        if result.metrics:  # e.g. Toxic Spans' test posts are all toxic: only its spans score
            results.append(result)
    if selected("toxic_spans"):
        progress("toxic spans")
        results.append(toxic_spans_f1(root, moderate, limit=limit))
    if selected("identity_templates"):
        progress("identity templates")
        templates_limit = 2000 if quick else limit
        results.append(identity_template_fpr(root, moderate, limit=templates_limit))
    if selected("example_page"):
        page = example_page(root, lambda p: moderator.moderate_page(read_page(p)))
        if page:
            results.append(page)
    return results


def print_results(results: Iterable[Result], *, width: int = 140) -> None:
    """The datasets table (AUROC and macro-F1 side by side), then the functional suite's."""
    from rich.console import Console
    from rich.table import Table

    results = list(results)
    console = Console(width=width)
    datasets = [r for r in results if r.section != "functional"]
    suite = [r for r in results if r.section == "functional"]
    if datasets:
        console.print(_datasets_table(datasets))
    if suite:
        table = Table(title="Functional suite (civility.training.functional; default policy)")
        for col in ("functionality", "n", "accuracy", "attribute ≥ 0.5", "targets right",
                    "what is expected"):
            table.add_column(col, no_wrap=col != "what is expected")
        for r in suite:
            m = r.metrics
            if r.dataset == "overall":
                table.add_section()
                detail = ", ".join(
                    f"{k.replace('_', ' ')} {v:.1%}" for k, v in m.items()
                    if k.endswith("accuracy") and k != "accuracy"
                )
                table.add_row("overall", str(r.n), f"{m['accuracy']:.1%}", "", "", detail)
                continue
            table.add_row(
                r.dataset,
                str(r.n),
                f"{m['accuracy']:.1%}",
                f"{m['attribute_rate']:.1%}" if "attribute_rate" in m else "",
                f"{m['target_rate']:.1%}" if "target_rate" in m else "",
                r.note,
            )
        console.print(table)


def _datasets_table(results: list[Result]) -> Table:
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
    return table
