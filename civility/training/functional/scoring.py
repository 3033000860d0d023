"""Marking verdicts against the functional suite's cases, per functionality."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from civility.training.functional.suite import ALLOWED, FUNCTIONALITIES, Case


@dataclass(slots=True)
class FunctionalityScore:
    name: str
    description: str
    expect: str
    n: int = 0
    correct: int = 0
    attribute_n: int = 0
    attribute_hits: int = 0
    target_n: int = 0
    target_hits: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else float("nan")


def passes(case: Case, decision: str) -> bool:
    """Whether a decision meets the case's expected outcome."""
    return decision in ALLOWED[case.expect]


def score_suite(cases: Sequence[Case], verdicts: Sequence) -> list[FunctionalityScore]:
    """Per-functionality accuracy of ``verdicts`` (one per case, in order).

    Accuracy is about the decision; the attribute and target rates are reported
    beside it for the cases that name one, so a right decision for the wrong
    reason is visible. ``failures`` lists a few failing cases of trainable families only.
    """
    described = {f.name: f for f in FUNCTIONALITIES}
    out: dict[str, FunctionalityScore] = {}
    for case, v in zip(cases, verdicts, strict=True):
        f = described[case.functionality]
        s = out.setdefault(case.functionality, FunctionalityScore(f.name, f.description, f.expect))
        s.n += 1
        if passes(case, v.decision):
            s.correct += 1
        elif len(s.failures) < 5 and not case.held_out:
            # Held-out failures are never shown: whoever reads them could tune rules to them.
            s.failures.append(f"{v.decision}: {case.text}")
        if case.attribute is not None:
            s.attribute_n += 1
            s.attribute_hits += v.attributes.get(case.attribute, 0.0) >= 0.5
        if case.target is not None or case.not_target is not None:
            s.target_n += 1
            groups = {t.group for t in v.targets}
            s.target_hits += (case.target is None or case.target in groups) and (
                case.not_target not in groups
            )
    return list(out.values())
