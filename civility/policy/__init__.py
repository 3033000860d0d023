"""Publisher policy: turn scores and targets into publish / review / reject.

The model only measures; a policy is where a publisher says what they will
print. Policies are TOML files (see ``civility/policies/news.toml`` for the
annotated default). The format:

``name``, ``description``
    Free text, shown in reasons and in ``civility policy show``.

``extends = "news"``
    Optional. Start from a packaged policy (by name) or another file (path
    relative to this one): ``[thresholds.X]`` tables replace the base's table
    for X, ``[[groups]]`` and ``[[words]]`` are appended to the base's rules.

``[thresholds.<attribute>]`` with ``review`` and/or ``reject``
    A score ``>= review`` holds the comment, ``>= reject`` rejects it. Either
    key may be omitted (``off_topic`` usually has only ``review``); an
    attribute without a table never decides anything on its own.

``[[groups]]`` with ``category`` and/or ``group`` (string or list),
``action`` (``review``/``reject``), ``min_score`` (default 0.5) and
``attributes`` (default ``["identity_attack"]``)
    Stricter handling when a comment attacks a named group: fires when a
    target's category or group name (case-insensitive) matches and the highest
    of the listed attribute scores is ``>= min_score``.

``[[words]]`` with ``match`` (string or list of phrases) and ``action``
(``review``/``reject``/``allow``)
    Phrases matched case-insensitively as whole words on the NORMALISED text
    (write them as the normaliser would output them). ``allow`` only exempts
    the text it covers from other word rules (``"subhuman conditions"`` stops
    ``"subhuman"`` firing inside it); it never lowers a model threshold, so an
    allowed phrase in a comment with a high threat score is still rejected.

``[languages]`` with ``covered`` (language codes the model reads) and ``action``
(``publish``/``review``/``reject``)
    What happens to a comment whose language (see ``civility.language``) is identified and
    is not covered. A comment whose language cannot be told (``und``: names, "ok", emoji)
    is never held for its language. ``action = "publish"`` turns the rule off.

Modules: ``records`` (the policy as data), ``load`` (TOML in), ``decide`` (verdicts out).
"""

from __future__ import annotations

from civility.policy.decide import (
    WORD_RULE_LABELS,
    Drivers,
    decide,
    phrase_spans,
    reason_drivers,
    word_reasons,
)
from civility.policy.load import (
    default_policy,
    load_policy,
    loads_policy,
    policy_changes,
)
from civility.policy.records import (
    GroupRule,
    LanguageRule,
    Policy,
    PolicyError,
    Threshold,
    WordAction,
    WordRule,
)

__all__ = [
    "WORD_RULE_LABELS",
    "Drivers",
    "GroupRule",
    "LanguageRule",
    "Policy",
    "PolicyError",
    "Threshold",
    "WordAction",
    "WordRule",
    "decide",
    "default_policy",
    "load_policy",
    "loads_policy",
    "phrase_spans",
    "policy_changes",
    "reason_drivers",
    "word_reasons",
]
