"""Plain text: find the comment section by its markers, or by the shape of the lines when
there is none.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from civility.read.errors import PageError
from civility.records import Comment, Page

# --------------------------------------------------------------------------- text patterns
#
# Every pattern is matched against one stripped line as a whole, so a comment
# that merely *mentions* "comments" or "subscribe" is never mistaken for chrome.

_FLAGS = re.IGNORECASE

_NUM = r"\d[\d,.]*k?"

#: Lines that announce the comment section; what follows them is comments.
_STRONG_MARKERS = re.compile(
    rf"""^(?:
        (?:{_NUM}\s+)?(?:reader(?:s|s')?\s+|user\s+|your\s+)?comments?
      | comments?\s*\(\s*{_NUM}\s*\)
      | (?:show|view|read)\s+(?:all\s+)?(?:{_NUM}\s+)?comments
      | leave\s+a\s+(?:reply|comment)
      | (?:post|add|write)\s+(?:a|your)\s+comment
      | join\s+the\s+(?:discussion|conversation|debate)
      | have\s+your\s+say
      | more\s+on\s+(?:the|this)\s+topic
      | {_NUM}\s+(?:thoughts?|responses?|replies|comments?)\s+(?:on|to)\s+.+
    )\s*:?$""",
    _FLAGS | re.VERBOSE,
)

#: Words that also head ordinary article sections, so they only count when no
#: strong marker exists (see ``_find_marker``).
_WEAK_MARKERS = re.compile(
    rf"""^(?:
        discussion | conversation | reactions | responses? | replies
      | {_NUM}\s+(?:responses?|replies)
      | what\s+do\s+you\s+think\s*\??
      | tell\s+us\s+what\s+you\s+think
    )\s*:?$""",
    _FLAGS | re.VERBOSE,
)

_SORT = r"(?:newest|oldest|most\s+liked|best|top)"

#: Page-level chrome: kept in ``Page.boilerplate`` so nothing vanishes silently.
_PAGE_CHROME = re.compile(
    rf"""^(?:
        share\s+(?:this|on\s+\w+|via\s+\w+)(?:\s+\w+)?\s*:?
      | share | tweet | print | email | whatsapp
      | advertisement | advert | sponsored(?:\s+content)? | ad
      | subscribe(?:\s+(?:now|today|here|(?:to|for)\s+(?:our|the|a|free|daily|weekly)\b.*))?
      | sign\s+up(?:\s+(?:now|today|here|(?:to|for)\s+(?:our|the|a|free|daily|weekly)\b.*))?
      | (?:get\s+|our\s+|the\s+)?(?:daily\s+|weekly\s+|free\s+)?newsletters?
      | read\s+more(?:\s*(?::|about|on|from|[›»→>]).*)? | continue\s+reading\b.*
      | related(?:\s+(?:articles?|stories|content|posts|news|links|topics))?\s*:?
      | (?:more\s+from|you\s+may\s+also\s+like|most\s+read|most\s+popular)\b.*
      | (?:recommended(?:\s+for\s+you)?|trending|popular)\b.*
      | (?:©|\(c\)|copyright\b).* | all\s+rights\s+reserved\.?
      | follow\s+us\b.* | tags?\s*:.* | filed\s+under\b.* | topics?\s*:.*
      | (?:log|sign)\s+in\s+(?:to\s+(?:comment|reply))?.*
      | you\s+must\s+be\s+logged\s+in\b.*
      | comments?\s+(?:are|is)\s+(?:closed|disabled|open)\b.*
      | (?:load|show|view)\s+(?:more|all|older|newer)\s+(?:comments|replies)\b.*
      | sort\s+by\b.*
      | {_SORT}(?:\s*[|·•/]\s*{_SORT})+
      | your\s+email\s+address\s+will\s+not\s+be\s+published\b.*
      | required\s+fields\s+are\s+marked\b.*
      | (?:name|e-?mail|website|comment)\s*\*?
      | post\s+comment | submit(?:\s+comment)? | cancel\s+reply
      | save\s+my\s+name\b.* | notify\s+me\s+of\b.*
      | this\s+site\s+uses\s+akismet\b.*
    )$""",
    _FLAGS | re.VERBOSE,
)

#: Headers after which short headline-like lines are links, not comments.
_LINK_LIST_HEADER = re.compile(
    r"^(?:related\b|more\s+from\b|you\s+may\s+also\s+like|most\s+read|most\s+popular"
    r"|recommended|trending|popular|read\s+more\b|also\s+read)",
    _FLAGS,
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_CLOCK = r"\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?"
_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}\.\d{1,2}\.\d{2,4})"
)

#: Timestamps on their own line ("3 hours ago", "2 March 2025 at 9:14 am").
_TIMESTAMP = re.compile(
    rf"""^(?:
        (?:posted\s+|edited\s+|updated\s+)?
        (?:
            (?:\d+|an?|one|a\s+few|few)\s+(?:sec(?:ond)?|min(?:ute)?|h(?:ou)?r|day|week|month|year)s?\s+ago
          | \d+\s*[smhdwy]\s+ago | \d+\s*[smhdwy]
          | just\s+now | (?:yesterday|today)(?:\s+at\s+{_CLOCK})?
          | (?:on\s+)?{_DATE}(?:,?\s*(?:at\s+)?{_CLOCK})?
          | {_CLOCK}(?:,?\s+(?:on\s+)?{_DATE})?
        )
        (?:\s*\((?:edited)\))?
    )$""",
    _FLAGS | re.VERBOSE,
)

_ACTION_WORDS = frozenset(
    {
        "reply", "replies", "report", "abuse", "share", "like", "likes", "liked", "unlike",
        "flag", "permalink", "link", "edit", "delete", "quote", "upvote", "upvotes", "downvote",
        "downvotes", "point", "points", "vote", "votes", "recommend", "recommends",
        "recommended", "helpful",
    }
)
_ACTION_PHRASES = re.compile(
    r"^(?:report\s+(?:this\s+)?comment|reply\s+to\s+(?:this\s+)?comment|flag\s+as\s+inappropriate"
    r"|in\s+reply\s+to\s+.{1,60}|was\s+this\s+helpful\??|show\s+replies|hide\s+replies"
    r"|view\s+\d+\s+repl(?:y|ies)|\d+\s+repl(?:y|ies))$",
    _FLAGS,
)
_PART_SPLIT = re.compile(r"\s*[·•|]\s*|\s+-\s+")

#: "Margaret Hill says:", "Tom on 2 March 2025 at 9:14 am said:", "@mike_t wrote:".
_AUTHOR_LINE = re.compile(
    rf"^(?P<name>[^\s:][^:]{{0,60}}?)"
    rf"(?:\s+(?:on|at)\s+(?:{_DATE}|{_CLOCK}).*?)?"
    r"\s+(?:says|said|wrote|writes|replied|replies|commented|comments)\s*:$",
    _FLAGS,
)

_TERMINAL = ".!?…\"'”’)»"
_INFORMAL_WORDS = re.compile(
    r"\b(?:i|i'm|im|i’m|my|me|you|your|u|ur|lol|lmao|omg|wtf|imo|imho|tbh|smh|haha\w*|heh\w*)\b",
    _FLAGS,
)
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


def _is_strong_marker(line: str) -> bool:
    return len(line) <= 200 and bool(_STRONG_MARKERS.match(line))


def _is_weak_marker(line: str) -> bool:
    return len(line) <= 60 and bool(_WEAK_MARKERS.match(line))


def _is_marker(line: str) -> bool:
    return _is_strong_marker(line) or _is_weak_marker(line)


def _is_page_chrome(line: str) -> bool:
    # Chrome is terse and never asks questions; readers do ("Subscribe? to this rag?").
    return len(line) <= 120 and "?" not in line and bool(_PAGE_CHROME.match(line))


def _author_of(line: str) -> str | None:
    """The name on a "X says:" line, or None when the line is not one."""
    if len(line) > 100:
        return None
    m = _AUTHOR_LINE.match(line)
    if not m:
        return None
    name = m.group("name").strip().lstrip("@").strip()
    # A name is a handful of words, not a sentence that ends in "said:".
    if not name or len(name.split()) > 5 or name[-1] in ".!?,":
        return None
    return name


def _is_comment_chrome(line: str) -> bool:
    """Per-comment furniture: reply/report buttons, like counts, timestamps."""
    if len(line) > 80:
        return False
    if _TIMESTAMP.match(line) or _ACTION_PHRASES.match(line):
        return True
    parts = [p for p in _PART_SPLIT.split(line.strip(" \t↑↓▲▼⬆⬇")) if p]
    if not parts:
        return False
    for part in parts:
        if _TIMESTAMP.match(part) or _ACTION_PHRASES.match(part):
            continue
        tokens = re.findall(r"[^\W\d_]+|\d[\d,.]*k?", part.lower())
        if not tokens or not any(t in _ACTION_WORDS for t in tokens):
            return False
        if not all(t in _ACTION_WORDS or t[0].isdigit() for t in tokens):
            return False
    return True


# --------------------------------------------------------------------------- plain text


@dataclass(frozen=True, slots=True)
class _Marker:
    index: int
    strong: bool
    has_content: bool = True


def parse_text(text: str) -> Page:
    """Split a plain-text page into article, boilerplate and comments.

    A marker line ("12 Comments", "Leave a reply", ...) gives a confident split;
    without one a shape heuristic (long prose first, short informal lines after)
    gives a tentative one, and when nothing looks like comments the page is
    returned with no comments and a low confidence rather than a wild guess.
    """
    if not isinstance(text, str):
        raise PageError(f"parse_text expects a str, got {type(text).__name__}")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    if not any(line.strip() for line in lines):
        raise PageError("the page is empty: there is no article or comment text to read")

    title, body_start = _find_title(lines)
    marker = _find_marker(lines, body_start)
    if marker is not None and marker.has_content:
        return _split_at_marker(lines, body_start, title, marker)
    # A marker with nothing after it ("Leave a reply" under the thread) says
    # where the section ends, not where it starts: let the shape decide, and
    # only fall back to "an empty comment section" when the shape finds nothing.
    by_shape = _split_by_shape(lines, body_start, title)
    if by_shape.comments or marker is None:
        return by_shape
    return _split_at_marker(lines, body_start, title, marker)


def _find_title(lines: Sequence[str]) -> tuple[str | None, int]:
    """A short, unpunctuated first line is a headline; return it and where the body starts."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None, 0
    line = lines[first].strip()
    has_more = any(rest.strip() for rest in lines[first + 1 :])
    title_like = (
        has_more
        and len(line) < 120
        and not line.endswith(".")
        and not line.endswith(":")
        and (line[0].isupper() or line[0].isdigit() or line[0] in "\"'“‘")
        and not _is_marker(line)
        and not _is_page_chrome(line)
        and _author_of(line) is None
    )
    return (line, first + 1) if title_like else (None, 0)


def _find_marker(lines: Sequence[str], start: int) -> _Marker | None:
    """The comment-section marker with something after it.

    Strong markers win, first one first ("5 Comments" before a trailing "Leave a
    reply"); weak ones ("Discussion") also head article sections, so the last
    one is taken to keep as much article as possible.
    """
    strong: list[int] = []
    weak: list[int] = []
    for i in range(start, len(lines)):
        line = lines[i].strip()
        if _is_strong_marker(line):
            strong.append(i)
        elif _is_weak_marker(line):
            weak.append(i)

    def has_content_after(i: int) -> bool:
        return any(_classify(line.strip()) == "content" for line in lines[i + 1 :])

    for i in strong:
        if has_content_after(i):
            return _Marker(i, strong=True)
    for i in reversed(weak):
        if has_content_after(i):
            return _Marker(i, strong=False)
    if strong:  # a comment section with nothing in it is still a comment section
        return _Marker(strong[0], strong=True, has_content=False)
    return None


def _classify(line: str) -> str:
    if not line:
        return "blank"
    if _is_marker(line) or _is_page_chrome(line):
        return "boilerplate"
    if _author_of(line) is not None:
        return "author"
    if _is_comment_chrome(line):
        return "chrome"
    return "content"


def _article_part(
    lines: Sequence[str], boilerplate: list[str]
) -> str:
    """Article lines joined as they were, with page chrome moved to ``boilerplate``."""
    kept: list[str] = []
    in_link_list = False
    for raw in lines:
        line = raw.strip()
        if not line:
            in_link_list = False
            kept.append(raw)
            continue
        # Weak markers ("Discussion") stay: before the real marker they are headings.
        if _is_page_chrome(line) or _is_strong_marker(line):
            boilerplate.append(line)
            in_link_list = bool(_LINK_LIST_HEADER.match(line))
            continue
        if in_link_list and _is_headline(line):
            boilerplate.append(line)
            continue
        in_link_list = False
        kept.append(raw.rstrip())
    return "\n".join(kept).strip()


def _is_headline(line: str) -> bool:
    return len(line) < 120 and line[0].isupper() and line[-1] not in ".!?…"


def _split_at_marker(
    lines: Sequence[str], body_start: int, title: str | None, marker: _Marker
) -> Page:
    boilerplate: list[str] = []
    article = _article_part(lines[body_start : marker.index], boilerplate)
    boilerplate.append(lines[marker.index].strip())
    comments, tail_boilerplate = _comments_from_tail(lines[marker.index + 1 :])
    boilerplate.extend(tail_boilerplate)

    confidence = 0.95 if marker.strong else 0.8
    if comments:
        paragraphs = [p for p in re.split(r"\n\s*\n|\n", article) if p.strip()]
        longest_paragraph = max((len(p) for p in paragraphs), default=0)
        median_comment = statistics.median(len(c.text) for c in comments)
        # Comments longer than the article's longest paragraph suggest the marker
        # cut the article rather than opening the comment section.
        if paragraphs and median_comment > max(longest_paragraph, 300):
            confidence -= 0.2
    else:
        confidence -= 0.1
    return Page(
        article=article,
        comments=tuple(comments),
        boilerplate=tuple(boilerplate),
        title=title,
        confidence=round(confidence, 2),
        source_format="text",
    )


def _comments_from_tail(tail: Sequence[str]) -> tuple[list[Comment], list[str]]:
    """Cut the text after the marker into comments.

    Blank lines between blocks mean one comment per block; otherwise one per
    line.  When the thread consistently opens each comment with "X says:", those
    lines are the boundaries instead, so multi-paragraph comments stay whole.
    """
    kinds = [_classify(line.strip()) for line in tail]
    stripped = [line.strip() for line in tail]
    boilerplate = [s for s, k in zip(stripped, kinds, strict=True) if k == "boilerplate"]

    first_content = next((i for i, k in enumerate(kinds) if k == "content"), None)
    if first_content is None:
        return [], boilerplate
    authors = [i for i, k in enumerate(kinds) if k == "author"]
    authored = len(authors) >= 2 and authors[0] < first_content

    nonblank = [i for i, k in enumerate(kinds) if k != "blank"]
    blocks_mode = any(
        kinds[j] == "blank" for j in range(nonblank[0], nonblank[-1] + 1)
    )

    drafts: list[tuple[str | None, list[str]]] = []
    pending_author: str | None = None
    current: list[str] | None = None

    def close() -> None:
        nonlocal current
        current = None

    for line, kind in zip(stripped, kinds, strict=True):
        if kind == "author":
            close()
            pending_author = _author_of(line)
        elif kind == "blank":
            if blocks_mode and not authored:
                close()
            elif authored and current is not None:
                current.append("")  # paragraph break inside one comment
        elif kind == "content":
            if current is None:
                current = []
                drafts.append((pending_author, current))
                pending_author = None
            current.append(line)
            if not blocks_mode and not authored:
                close()
        # chrome and boilerplate lines are dropped from comment text

    comments = []
    for author, body in drafts:
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(body)).strip()
        if text:
            comments.append(Comment(id=str(len(comments) + 1), text=text, author=author))
    return comments, boilerplate


def _split_by_shape(lines: Sequence[str], body_start: int, title: str | None) -> Page:
    """No marker: long formal paragraphs first, then a run of short informal units."""
    body = list(lines[body_start:])
    boilerplate: list[str] = []
    # Page chrome is removed first so "Share this article" cannot pose as a comment.
    clean: list[str] = []
    in_link_list = False
    for raw in body:
        line = raw.strip()
        if line and (
            _is_page_chrome(line)
            or _is_strong_marker(line)
            or (in_link_list and _is_headline(line))
        ):
            boilerplate.append(line)
            in_link_list = in_link_list or bool(_LINK_LIST_HEADER.match(line))
            continue
        in_link_list = False
        clean.append(raw.rstrip())

    units = _units(clean)
    article_only = Page(
        article="\n".join(clean).strip(),
        comments=(),
        boilerplate=tuple(boilerplate),
        title=title,
        confidence=0.3,
        source_format="text",
    )
    if len(units) < 3:
        return article_only

    scores = [_commentiness("\n".join(clean[a:b])) for a, b in units]
    best_k, best_sum, running = None, 0.0, 0.0
    for k in range(len(units) - 1, 0, -1):
        running += scores[k]
        if running > best_sum:
            best_k, best_sum = k, running
    if best_k is None:
        return article_only
    tail_scores = scores[best_k:]
    has_prose = any(
        len(" ".join(clean[a:b])) >= 200 for a, b in units[:best_k]
    )
    informal_share = sum(s > 0 for s in tail_scores) / len(tail_scores)
    if len(tail_scores) < 2 or best_sum < 1.5 or informal_share < 0.6 or not has_prose:
        return article_only

    split_line = units[best_k][0]
    comments, tail_boilerplate = _comments_from_tail(clean[split_line:])
    if len(comments) < 2:
        return article_only
    # "X says:" lines are a much stronger sign of a thread than informal wording.
    authored = sum(c.author is not None for c in comments) >= 2
    return Page(
        article="\n".join(clean[:split_line]).strip(),
        comments=tuple(comments),
        boilerplate=tuple(boilerplate + tail_boilerplate),
        title=title,
        confidence=0.75 if authored else 0.6 if informal_share >= 0.8 else 0.5,
        source_format="text",
    )


def _units(lines: Sequence[str]) -> list[tuple[int, int]]:
    """Line ranges of blocks (blank-line separated) or, without blank lines, of single lines."""
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    if not nonblank:
        return []
    blank_inside = any(not lines[i].strip() for i in range(nonblank[0], nonblank[-1] + 1))
    if not blank_inside:
        return [(i, i + 1) for i in nonblank]
    units: list[tuple[int, int]] = []
    start: int | None = None
    for i, line in enumerate(lines):
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            units.append((start, i))
            start = None
    if start is not None:
        units.append((start, len(lines)))
    return units


def _commentiness(unit: str) -> float:
    """Positive for short informal reader talk, negative for edited article prose."""
    text = unit.strip()
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if any(_author_of(line) for line in lines):
        return 2.0
    content = " ".join(line for line in lines if not _is_comment_chrome(line))
    if not content:
        return 0.5 if lines else 0.0  # chrome-only block: part of a thread
    score = 0.0
    n = len(content)
    if n >= 600:
        score -= 1.5
    elif n >= 300:
        score -= 0.5
    elif n < 150:
        score += 0.3
    first = content.lstrip("\"'“‘(")[:1]
    if first.islower():
        score += 1.0
    if content[-1] not in _TERMINAL:
        score += 0.5 if len(content.split()) > 3 else 0.0
    if _INFORMAL_WORDS.search(content):
        score += 0.5
    if re.search(r"[!?]{2,}|\.{3}|…", content) or content.count("!") >= 1:
        score += 0.3
    if _EMOJI.search(content) or re.search(r"\b[A-Z]{3,}\b.*\b[A-Z]{3,}\b", content):
        score += 0.5
    if first.isupper() and content[-1] in ".”\"" and not _INFORMAL_WORDS.search(content):
        score -= 0.7
    return score
