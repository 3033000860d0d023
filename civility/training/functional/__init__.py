"""Civility's own functional test suite: what a newsroom needs, one capability at a time.

Public benchmarks say how well Civility ranks comments on average; they do not
say *which* capabilities fail. This suite does: each **functionality** (a
derogation of women, a veiled threat to a journalist, counter-speech that
quotes hate, a violent idiom ...) has cases with an expected outcome, so
``civility evaluate`` can report accuracy per functionality.

Cases are data: **template families** (templates x slot fillers) in
``cases/*.toml``, written for this project in news-comment register, including
the geopolitics of the region the example page covers. ``suite.py`` reads and
expands them; ``scoring.py`` marks verdicts against them. Every case carries its
family's id and whether that family is **held out**: held-out families must
never be used for training or for tuning rules, so that they keep measuring
generalisation. :func:`trainable_cases` is the only door training code may use.

Expected outcomes, under the default ``news`` policy:

``publish``     published.
``hold``        not published (review or reject).
``review``      held for a human, not rejected (a person's disclosure of self-harm).
``not_reject``  published or reviewed, never rejected (swearing aimed at nobody).

Where it matters a case also names the attribute that should reach 0.5, the
group that should be named as the target, and a group that must *not* be
named: the actor in an attack by one country on another, or the group that a
comment to be published merely mentions, defends or quotes.
"""

from civility.training.functional.scoring import FunctionalityScore, passes, score_suite
from civility.training.functional.suite import (
    ALLOWED,
    FUNCTIONALITIES,
    Case,
    Expect,
    Family,
    Functionality,
    _fill,
    held_out_cases,
    held_out_texts,
    subset,
    suite,
    trainable_cases,
)

__all__ = [
    "ALLOWED",
    "FUNCTIONALITIES",
    "Case",
    "Expect",
    "Family",
    "Functionality",
    "FunctionalityScore",
    "_fill",
    "held_out_cases",
    "held_out_texts",
    "passes",
    "score_suite",
    "subset",
    "suite",
    "trainable_cases",
]
