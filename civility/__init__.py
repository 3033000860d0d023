"""Civility: a self-hosted moderation engine for news comment sections.

The public API is small::

    from civility import Moderator
    verdicts = Moderator().moderate(["nuke 'em all"], article="...")
    verdicts[0].decision, verdicts[0].attributes, verdicts[0].spans

:class:`Moderator` runs the pipeline (normalise → score → explain → decide);
:func:`read_page` splits a page into article and comments; :func:`load_policy`
reads a publisher's TOML policy. Results are plain frozen dataclasses
(:class:`Verdict`, :class:`Span`, :class:`Target`).
"""

from civility.moderator import Moderator
from civility.policy import Policy, load_policy
from civility.read import read_page
from civility.records import ATTRIBUTES, Comment, Page, Span, Target, Verdict

__all__ = [
    "ATTRIBUTES",
    "Comment",
    "Moderator",
    "Page",
    "Policy",
    "Span",
    "Target",
    "Verdict",
    "load_policy",
    "read_page",
]
__version__ = "0.1.0"
