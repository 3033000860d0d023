"""Commenters, not only comments: what a site knows about an author changes their next decision.

A newsroom's moderators judge people as well as sentences: a commenter banned yesterday is
not published today, a new one waits until a moderator has approved a few of their comments,
and one whose comments keep being rejected is held until someone looks. Each site also keeps
its own banned and suspect word lists and may hold every link for a person.

Everything here is pure: plain dataclasses in, a decision out. The store
(:mod:`civility.store.authors`) reads the facts, the server applies :func:`adjust` when it
saves a verdict, and the same inputs always give the same answer.

An adjustment only ever makes a decision stricter: "premoderated" means the comment is scored
as usual but can at most be held for review (a reject stays a reject); suspended and banned
authors' comments are rejected. Every adjustment adds a reason that says why.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from civility.normalize import normalize
from civility.policy import WordRule, word_reasons
from civility.records import Action, action_rank

__all__ = [
    "ACTION_EVENTS",
    "AUTHOR_ACTIONS",
    "POLICY_ACTOR",
    "ActionPlan",
    "AuthorAction",
    "AuthorStatus",
    "SiteRules",
    "Standing",
    "adjust",
    "author_reasons",
    "clean_words",
    "plan_action",
    "rate_reason",
]

AuthorStatus = Literal["active", "premoderated", "suspended", "banned"]
AuthorAction = Literal["warn", "premoderate", "suspend", "ban", "reinstate"]
AUTHOR_STATUSES: tuple[AuthorStatus, ...] = get_args(AuthorStatus)
AUTHOR_ACTIONS: tuple[AuthorAction, ...] = get_args(AuthorAction)
#: The webhook event (and, after ``author.``, the audit action) each action sends.
ACTION_EVENTS: dict[str, str] = {"warn": "author.warned", "premoderate": "author.premoderated",
                                 "suspend": "author.suspended", "ban": "author.banned",
                                 "reinstate": "author.reinstated"}
#: The status each action leaves the author in (a warning changes none).
_ACTION_STATUS: dict[str, AuthorStatus] = {"premoderate": "premoderated",
                                           "suspend": "suspended", "ban": "banned",
                                           "reinstate": "active"}
#: Who set a status that a site rule set (not a moderator).
POLICY_ACTOR = "policy"
MAX_DAYS = 3650
MAX_WORDS = 1000
MAX_WORD_CHARS = 100


@dataclass(frozen=True, slots=True)
class SiteRules:
    """A site's rules about commenters and words; the default turns every one of them off.

    ``new_author_approvals``: premoderate an author until this many of their comments are
    published (0: off). ``rejection_rate``: premoderate an author once this share (0-1) of
    their decided comments in the last ``rejection_window_days`` days is rejected, counted
    only once they have ``rejection_min_comments`` decided comments there (None: off).
    ``banned_words`` reject, ``suspect_words`` hold (phrases, matched like a policy file's
    ``[[words]]``). ``hold_links``: hold every comment that contains a web address.
    """

    new_author_approvals: int = 0
    rejection_rate: float | None = None
    rejection_window_days: int = 30
    rejection_min_comments: int = 5
    hold_links: bool = False
    banned_words: tuple[str, ...] = ()
    suspect_words: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems = []
        if not 0 <= self.new_author_approvals <= 1000:
            problems.append("new commenters: the number of approved comments is 0-1000")
        if self.rejection_rate is not None and not 0 < self.rejection_rate <= 1:
            problems.append("the rejection rate is a share above 0 and at most 1 (100 %)")
        if not 1 <= self.rejection_window_days <= MAX_DAYS:
            problems.append(f"the rejection-rate window is 1-{MAX_DAYS} days")
        if not 1 <= self.rejection_min_comments <= 10_000:
            problems.append("the rejection rate needs 1-10000 decided comments to count")
        for name, words in (("banned", self.banned_words), ("suspect", self.suspect_words)):
            if len(words) > MAX_WORDS:
                problems.append(f"the {name} word list holds at most {MAX_WORDS} phrases")
            if any(not w.strip() or len(w) > MAX_WORD_CHARS for w in words):
                problems.append(f"each {name} phrase is 1-{MAX_WORD_CHARS} characters")
        if problems:
            raise ValueError("; ".join(problems))

    def word_rules(self) -> tuple[WordRule, ...]:
        """The lists as word rules for :func:`civility.policy.word_reasons`."""
        return _word_rules(self.banned_words, self.suspect_words)

    @property
    def any(self) -> bool:
        """Whether any rule is on (most sites' comments then need no author lookup)."""
        return bool(self.new_author_approvals or self.rejection_rate is not None
                    or self.hold_links or self.banned_words or self.suspect_words)


@functools.cache
def _word_rules(banned: tuple[str, ...], suspect: tuple[str, ...]) -> tuple[WordRule, ...]:
    """Phrases normalised as comments are (``idi0t`` reads ``idiot``), so they match alike;
    the reasons then name the normalised phrase, which is what the moderator sees marked."""
    out = []
    for words, action, label in ((banned, "reject", "banned word"),
                                 (suspect, "review", "suspect word")):
        phrases = tuple(dict.fromkeys(p for w in words if (p := normalize(w).text.strip())))
        if phrases:
            out.append(WordRule(phrases, action, label))  # type: ignore[arg-type]
    return tuple(out)


def clean_words(text: str | Iterable[str]) -> tuple[str, ...]:
    """A word list as an admin typed it (one phrase per line) -> its phrases: trimmed, inner
    spaces collapsed, empty lines and repeats (any case) dropped, first spelling kept."""
    lines = text.splitlines() if isinstance(text, str) else list(text)
    seen: dict[str, str] = {}
    for line in lines:
        phrase = " ".join(str(line).split())
        if phrase:
            seen.setdefault(phrase.casefold(), phrase)
    return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class Standing:
    """What a site knows about an author when one of their comments is decided.

    ``set_by`` is the moderator who set the status, or :data:`POLICY_ACTOR`; ``published``
    counts the author's comments now published on the site (the approvals the new-commenter
    rule waits for).
    """

    status: AuthorStatus = "active"
    until: datetime | None = None
    reason: str = ""
    set_by: str = ""
    published: int = 0

    def status_at(self, now: datetime) -> AuthorStatus:
        """The status in force at ``now``: a premoderation or suspension ends at ``until``."""
        if self.until is not None and self.until <= now and self.status != "banned":
            return "active"
        return self.status


def _detail(standing: Standing) -> str:
    """Who set the status and why, for reasons: "by mo: spam links", or the rule's words."""
    if standing.set_by and standing.set_by != POLICY_ACTOR:
        return f"by {standing.set_by}" + (f": {standing.reason}" if standing.reason else "")
    return standing.reason


def _until(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def author_reasons(standing: Standing | None, rules: SiteRules, now: datetime
                   ) -> list[tuple[Action, str]]:
    """What the author's standing does to their comment: (action, reason), at most one."""
    if standing is None:  # anonymous: no history to go by
        return []
    status, detail = standing.status_at(now), _detail(standing)
    note = f" ({detail})" if detail else ""
    if status == "banned":
        return [("reject", f"author is banned{note}")]
    if status == "suspended":
        until = f" until {_until(standing.until)}" if standing.until else ""
        return [("reject", f"author is suspended{until}{note}")]
    if status == "premoderated":
        until = f" until {_until(standing.until)}" if standing.until else ""
        return [("review", f"author is premoderated{until}{note}")]
    needed = rules.new_author_approvals
    if needed and standing.published < needed:
        return [("review", f"author is premoderated (new commenter: {standing.published} of "
                           f"{needed} approved comments)")]
    return []


def adjust(decision: Action, reasons: Sequence[str], *, rules: SiteRules,
           standing: Standing | None, normalized_text: str, has_link: bool, now: datetime,
           policy_rules: Sequence[WordRule] = ()) -> tuple[Action, tuple[str, ...]]:
    """The policy's decision made at least as strict as the site's rules and the author's
    standing require, with every reason (reject reasons first).

    ``policy_rules`` are the policy file's word rules: only their ``allow`` phrases count
    here (the policy already applied the rest), so "subhuman conditions" exempts text from a
    site's suspect word "subhuman" as it does from the file's own rules. A published
    comment's reason ("no attribute above a review threshold") is dropped once something
    holds it; the policy's other reasons stay first within their level.
    """
    allow = tuple(r for r in policy_rules if r.action == "allow")
    found = [*author_reasons(standing, rules, now),
             *word_reasons((*allow, *rules.word_rules()), normalized_text)]
    if has_link and rules.hold_links:
        found.append(("review", "contains a link; this site holds links for a person"))
    if not found:
        return decision, tuple(reasons)
    kept: list[tuple[Action, str]] = ([] if decision == "publish"
                                      else [(decision, r) for r in reasons])
    merged = sorted([*kept, *found], key=lambda item: -action_rank(item[0]))  # stable
    return merged[0][0], tuple(reason for _, reason in merged)


def rate_reason(rules: SiteRules, rejected: int, decided: int) -> str | None:
    """Why the author is now premoderated under the rejection-rate rule, or None.

    ``rejected`` of ``decided`` (published or rejected) comments in the rule's window; too
    few decided comments say nothing (one rejection of one comment is not a pattern).
    """
    limit = rules.rejection_rate
    if limit is None or decided < rules.rejection_min_comments or decided <= 0:
        return None
    rate = rejected / decided
    if rate < limit:
        return None
    return (f"rejection rate {rate:.0%} ≥ {limit:.0%}: {rejected} of {decided} comments "
            f"rejected in {rules.rejection_window_days} days")


@dataclass(frozen=True, slots=True)
class ActionPlan:
    """What a moderator's action on an author does: the status after it (None: unchanged,
    a warning), until when, the webhook event, and whether held comments are rejected."""

    action: AuthorAction
    status: AuthorStatus | None
    until: datetime | None
    event: str
    reject_pending: bool


def plan_action(action: str, *, now: datetime, days: int | None = None,
                reject_pending: bool = False) -> ActionPlan:
    """Check an action's arguments and say what it does; ValueError says what is wrong.

    ``days`` is required to suspend and optional to premoderate (none: until reinstated);
    the other actions take none. Rejecting the author's pending and held comments goes with
    suspending or banning them.
    """
    if action not in AUTHOR_ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {', '.join(AUTHOR_ACTIONS)}")
    if days is not None and action not in ("premoderate", "suspend"):
        raise ValueError(f"'days' goes with premoderate or suspend, not {action}")
    if action == "suspend" and days is None:
        raise ValueError("say for how many days to suspend ('days')")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ValueError(f"'days' is 1-{MAX_DAYS}")
    if reject_pending and action not in ("suspend", "ban"):
        raise ValueError("rejecting held comments goes with suspend or ban")
    until = now + timedelta(days=days) if days is not None else None
    return ActionPlan(action, _ACTION_STATUS.get(action), until,  # type: ignore[arg-type]
                      ACTION_EVENTS[action], reject_pending)
