"""What people read for each attribute, decision and group category, and the colours they see.

One module for the words and the palette, shared by the terminal report (``terminal.py``),
the HTML report (``report/``), the charts and the moderator UI, so a decision or an
attribute reads and looks the same wherever it appears. The web palette is Okabe–Ito
(distinguishable under the common colour-vision deficiencies); the terminal uses rich's
named colours of the same hues.
"""

from __future__ import annotations

__all__ = [
    "ATTRIBUTE_COLOURS",
    "CATEGORY_COLOURS",
    "DECISION_COLOURS",
    "DECISION_LABELS",
    "TERMINAL_ATTRIBUTE_COLOURS",
    "TERMINAL_DECISION_COLOURS",
    "attribute_label",
    "attribute_title",
    "category_label",
]

DECISION_LABELS: dict[str, str] = {
    "publish": "Published",
    "review": "Held for review",
    "reject": "Rejected",
}

#: Okabe–Ito: distinguishable under the common colour-vision deficiencies.
DECISION_COLOURS: dict[str, str] = {
    "publish": "#009E73",  # bluish green
    "review": "#E69F00",  # orange
    "reject": "#D55E00",  # vermillion
}
#: Same hues as :data:`TERMINAL_ATTRIBUTE_COLOURS`, darkened enough to read on white.
ATTRIBUTE_COLOURS: dict[str, str] = {
    "toxicity": "#E69F00",
    "severe_toxicity": "#A6361C",
    "identity_attack": "#AA4499",
    "insult": "#D55E00",
    "profanity": "#B59B00",
    "threat": "#C62828",
    "sexually_explicit": "#E377C2",
    "dehumanization": "#7B61A8",
    "self_harm": "#117A65",
    "spam": "#1695A8",
    "off_topic": "#0072B2",
}
#: Paul Tol's muted scheme, one colour per group category of ``civility.records.GroupCategory``.
CATEGORY_COLOURS: dict[str, str] = {
    "nationality": "#332288",
    "ethnicity": "#CC6677",
    "religion": "#117733",
    "race": "#882255",
    "gender": "#AA4499",
    "sexual_orientation": "#88CCEE",
    "disability": "#44AA99",
    "migrants": "#DDCC77",
    "age": "#999933",
    "political": "#6F6F6F",
}

#: rich colour names for the terminal report.
TERMINAL_DECISION_COLOURS: dict[str, str] = {"publish": "green", "review": "yellow",
                                             "reject": "red"}
TERMINAL_ATTRIBUTE_COLOURS: dict[str, str] = {
    "toxicity": "orange3",
    "severe_toxicity": "red3",
    "identity_attack": "magenta",
    "insult": "dark_orange",
    "profanity": "yellow3",
    "threat": "red",
    "sexually_explicit": "hot_pink",
    "dehumanization": "medium_purple",
    "self_harm": "dark_cyan",
    "spam": "cyan",
    "off_topic": "blue",
}

#: Where the UI's title-case name is not simply the words capitalised.
_TITLES = {"off_topic": "Off-topic", "sexually_explicit": "Sexually explicit",
           "self_harm": "Self-harm"}


def attribute_label(name: str) -> str:
    """``"identity_attack"`` → ``"identity attack"``: what people read, not what code says."""
    return name.replace("_", " ")


def attribute_title(name: str) -> str:
    """``severe_toxicity`` → ``Severe toxicity``: an attribute at the start of a line or cell."""
    return _TITLES.get(name, attribute_label(name).capitalize())


def category_label(category: str) -> str:
    """``"sexual_orientation"`` → ``"sexual orientation"``."""
    return category.replace("_", " ")
