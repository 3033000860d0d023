"""Text normalisation for lexical matching that never loses track of the original.

Abusers dodge word lists with look-alike letters, leetspeak, masks, spacing
and stretched letters. ``normalize`` undoes those tricks so that the lexicon
can stay a plain list of lower-case English words, while ``Normalized.offsets``
maps every normalised character back to the original so that spans shown to
moderators point at what the reader actually wrote.

Stages, in order (each is a regex pass; per-character Python work happens only
on non-ASCII runs and on the few tokens that contain digits or symbols):

1. Unicode folding (non-ASCII runs only): NFKC (fullwidth, mathematical and
   circled letters, ligatures), accents stripped from letters that then become
   ASCII (``fück`` -> ``fuck``), small capitals and other Latin look-alikes,
   curly quotes/dashes to ASCII, zero-width and bidi controls removed, combining
   diacritics (zalgo) removed; then lower-casing.
2. Confusables: Cyrillic/Greek look-alikes (``а е о р с`` ...) become Latin,
   but only in words that mix scripts or that consist solely of look-alikes,
   so genuine Russian or Greek words are left alone.
3. Spaced-out letters (``f u c k``, ``a-z-e-r-i-s``, ``f.u.c.k``) are joined.
4. Masks and leetspeak inside words (same length, offsets untouched):
   ``#`` and an inner ``@`` between letters become the mask placeholder ``*``;
   ``0 1 3 4 5 7 @ $ ! |`` become letters when they sit between letters, start
   a word (``@ss``, ``$hit``) or, for ``$``, end one (``a$$``). Numbers
   (``2024``, ``1.9``), ordinals/units (``2nd``, ``3am``) and model names
   (``f47``, ``mp3``) are kept.
5. Runs of 3+ identical letters collapse to one (``fuuuuck`` -> ``fuck``,
   ``sooooo`` -> ``so``); doubles such as ``good`` are kept.
6. Misspelt harmful words: a token that is no English word but is one dropped,
   swapped or doubled letter away from exactly one of the lexicon's harmful words
   (``idoit``, ``stupd``, ``retardd``, ``vermn``) is respelt as that word; see
   :func:`respell_table` for which words and why it cannot turn English into abuse.

Masked letters: the normaliser keeps ``*`` in place as a one-letter wildcard
(so ``f*ck``, ``f#ck`` and ``f@ck`` all read ``f*ck``); the matcher decides what
it stands for with :func:`fuzzy_pattern` / :func:`masked_match`, which let a
lexicon word match a token where inner letters are masked.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["MASK", "Normalized", "fuzzy_pattern", "masked_match", "normalize", "respell_table"]

#: The one-letter wildcard the normaliser leaves where a letter was masked.
MASK = "*"


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalised text plus the map back to the original.

    ``offsets`` has ``len(text) + 1`` entries: ``offsets[i]`` is the index in
    ``original`` of the character that produced ``text[i]`` and
    ``offsets[-1] == len(original)``. It is non-decreasing.
    """

    original: str
    text: str
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)`` of ``text`` to the ``[start, end)`` of ``original`` producing it.

        The result covers every source character fully: a collapsed ``uuuu``,
        a spaced ``f u c k`` or a letter with combining marks is included whole.
        """
        n = len(self.text)
        start = min(max(start, 0), n)
        end = min(max(end, start), n)
        offs = self.offsets
        if end == start:
            return offs[start], offs[start]
        last = offs[end - 1]
        j = end
        while offs[j] <= last:  # several text chars from one source char (e.g. "ﬁ")
            j += 1
        return offs[start], offs[j]

    def span_text(self, start: int, end: int) -> str:
        """The original text behind ``[start, end)`` of ``text``."""
        s, e = self.to_original(start, end)
        return self.original[s:e]


#: One change a stage makes: characters ``start:end`` become ``new``, whose characters come
#: from the original offsets ``new_offsets`` (one per character of ``new``).
_Edit = tuple[int, int, str, Iterable[int]]


def _splice(text: str, offs: Sequence[int], edits: Iterable[_Edit]
            ) -> tuple[str, Sequence[int]]:
    """``text`` with the edits (in order, not overlapping) made, and the offsets kept with it.

    The one way a stage that changes the text's length keeps the map back to the original
    characters; ``text`` and ``offs`` come back as they are when there is nothing to change.
    """
    out: list[str] = []
    noffs: list[int] = []
    pos = 0
    for i, j, new, new_offsets in edits:
        out.append(text[pos:i])
        noffs.extend(offs[pos:i])
        out.append(new)
        noffs.extend(new_offsets)
        pos = j
    if not out:
        return text, offs
    out.append(text[pos:])
    noffs.extend(offs[pos:])
    return "".join(out), noffs


# --- stage 1: Unicode folding ------------------------------------------------

_REMOVE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0"
)
_COMBINING_BLOCKS = (
    (0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF),
)
_PUNCT = {
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "´": "'", "ʼ": "'", "ʻ": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
}
# Latin-script look-alikes that NFKC leaves alone (small capitals, IPA, ...).
_LATINISH = dict(zip(
    "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢɑɡıȷɩʋꞵøđħłŧ",
    "abcdefghijklmnoprstuvwyzagijivbodhlt",
    strict=True,
))


@functools.lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    """Fold one non-ASCII character to what a reader of English would see."""
    if c in _REMOVE:
        return ""
    cp = ord(c)
    for lo, hi in _COMBINING_BLOCKS:
        if lo <= cp <= hi:
            return ""
    if c in _PUNCT:
        return _PUNCT[c]
    if 0x1F130 <= cp <= 0x1F189:  # squared / negative circled / negative squared A-Z
        return chr(0x61 + (cp - 0x1F130) % 26)
    s = unicodedata.normalize("NFKC", c).lower()
    s = "".join(_PUNCT.get(ch, ch) for ch in s)
    d = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
    if d and d.isascii():
        return d
    return "".join(_LATINISH.get(ch, ch) for ch in s)


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_NEEDS_FOLD = re.compile(
    "[" + "".join(sorted(_REMOVE | set(_PUNCT) | set(_LATINISH)))
    + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _COMBINING_BLOCKS)
    + "\u00c0-\u024f\u1e00-\u1eff\U0001f130-\U0001f189]"  # accented Latin, squared letters
)


def _fold_unicode(text: str, offs: Sequence[int]) -> tuple[str, Sequence[int]]:
    return _splice(text, offs, _unicode_folds(text, offs))


def _unicode_folds(text: str, offs: Sequence[int]) -> Iterator[_Edit]:
    for m in _NON_ASCII_RUN.finditer(text):
        run = m.group()
        if not _NEEDS_FOLD.search(run) and unicodedata.is_normalized("NFKC", run):
            continue  # e.g. plain lower-case Cyrillic, Arabic, CJK: nothing to do
        parts = [_fold_char(c) for c in run]
        folded = "".join(parts)
        if folded == run:
            continue
        i = m.start()
        yield i, m.end(), folded, [offs[i + k] for k, p in enumerate(parts) for _ in p]


# --- stage 2: confusable (Cyrillic/Greek) letters -----------------------------

_CONFUSABLE = dict(zip(
    "аеёоросухѕіїјһԁԛԝкмтвнгпьαοριεκντυχωςηβγμ",
    "aeeopocyxsiijhdqwkmtbhrnbaopiekvtuxwsnbyu",
    strict=True,
))
_CONF_TABLE = str.maketrans(_CONFUSABLE)
_CONF_CHARS = "".join(sorted(set(_CONFUSABLE)))
# Whole words made only of Latin letters and look-alikes, with at least one look-alike.
# A genuine Cyrillic/Greek word has other letters too and is left readable.
_CONF_WORD = re.compile(
    rf"(?<![^\W\d_])[a-z0-9{_CONF_CHARS}]*[{_CONF_CHARS}][a-z0-9{_CONF_CHARS}]*(?![^\W\d_])"
)


def _deconfuse(m: re.Match[str]) -> str:
    return m.group().translate(_CONF_TABLE)


# --- stage 3: spaced-out letters ----------------------------------------------

_SPACED = re.compile(  # "_" separates letters here, so word chars exclude it
    r"(?<![^\W_]|[*'])[a-z](?![^\W_]|[*'])(?:[ .\-_]{1,2}[a-z](?![^\W_]|[*'])){2,}"
)


def _join_spaced(text: str, offs: Sequence[int]) -> tuple[str, Sequence[int]]:
    return _splice(text, offs, _spaced_joins(text, offs))


def _spaced_joins(text: str, offs: Sequence[int]) -> Iterator[_Edit]:
    for m in _SPACED.finditer(text):
        i, j = m.span()
        letters = [k for k in range(i, j) if "a" <= text[k] <= "z"]
        yield i, j, "".join(text[k] for k in letters), [offs[k] for k in letters]


# --- stage 4: masks and leetspeak (same length) --------------------------------

_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
         "@": "a", "$": "s", "!": "i", "|": "l"}
_TOKEN_WITH_SYMBOL = re.compile(r"[a-z0-9@$!|#*]*[0-9@$!|#][a-z0-9@$!|#*]*")
_KEEP_TOKEN = re.compile(
    r"\d+(?:st|nd|rd|th|s|am|pm|k|m|b|bn|mn|x|d|g|h|hr|hrs|min|mins|sec|secs|km|kg|mm|cm|ml|"
    r"mb|gb|tb|kb|mph|kph|kw|mw|gw|ft|lb|lbs|yo|yr|yrs|px|p|v|ghz|mhz|hz)"
)
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz*")


def _unleet_token(m: re.Match[str]) -> str:
    tok = m.group()
    if not any("a" <= c <= "z" for c in tok) or _KEEP_TOKEN.fullmatch(tok):
        return tok
    chars = list(tok)
    n = len(chars)
    # Masks: '#'/'@' runs with letters on both sides become the placeholder.
    for k, c in enumerate(chars):
        if c in "#@" and 0 < k < n - 1:
            lo, hi = k, k
            while lo > 0 and chars[lo - 1] in "#@*":
                lo -= 1
            while hi < n - 1 and chars[hi + 1] in "#@*":
                hi += 1
            if lo > 0 and hi < n - 1 and chars[lo - 1] in _LETTERS and chars[hi + 1] in _LETTERS:
                chars[k] = MASK
    # Leet: maximal runs of mappable characters, judged by their neighbours.
    k = 0
    while k < n:
        if chars[k] not in _LEET:
            k += 1
            continue
        j = k
        while j < n and chars[j] in _LEET:
            j += 1
        before = k > 0 and chars[k - 1] in _LETTERS
        after = j < n and chars[j] in _LETTERS
        run = chars[k:j]
        if (
            (before and after and j - k <= 3)
            or (k == 0 and j - k == 1 and j + 1 < n and chars[j] in _LETTERS
                and chars[j + 1] in _LETTERS and run[0] != "!")
            or (before and j == n and all(c == "$" for c in run))
        ):
            chars[k:j] = [_LEET[c] for c in run]
        k = j
    return "".join(chars)


# --- stage 5: stretched letters -------------------------------------------------

_STRETCH = re.compile(r"([a-z])\1{2,}")


def _collapse(text: str, offs: Sequence[int]) -> tuple[str, Sequence[int]]:
    return _splice(text, offs, ((m.start(), m.end(), text[m.start()], (offs[m.start()],))
                                for m in _STRETCH.finditer(text)))


# --- stage 6: misspelt harmful words ----------------------------------------------

#: Shortest harmful word a letter may have been dropped from (inner letters only: a dropped
#: first or last letter mostly makes another word, "itch", "honk", "rapist").
MIN_DROP_LENGTH = 6
#: Shortest harmful word two letters may have been swapped in ("idoit", "flith").
MIN_SWAP_LENGTH = 5
#: Shortest harmful word a letter may have been doubled in ("kiill", "fuckk"), or a double
#: letter written once ("kil", "morons" as "morrons" is the other way round).
MIN_DOUBLE_LENGTH = 4
_SUFFIXES = ("es", "ed", "ing", "er", "ers", "ly", "'s")


def misspellings(word: str) -> Iterator[str]:
    """Every spelling one dropped inner letter, one swap, or one letter doubled or undoubled
    away from ``word``."""
    n = len(word)
    if n >= MIN_DROP_LENGTH:
        for i in range(1, n - 1):
            yield word[:i] + word[i + 1:]
    if n >= MIN_SWAP_LENGTH:
        for i in range(n - 1):
            if word[i] != word[i + 1]:
                yield word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if n >= MIN_DOUBLE_LENGTH:
        for i in range(n):
            yield word[:i + 1] + word[i:]
            if i + 1 < n and word[i] == word[i + 1]:
                yield word[:i] + word[i + 1:]


def build_respell_table(harmful: Iterable[str], english: Iterable[str]) -> dict[str, str]:
    """Misspelling -> harmful word, for misspellings that are no English word.

    A misspelling within reach of two different harmful words is left out (which one was
    meant is a guess; two forms of one word are not different), and so is anything that is
    an English word, or one with a suffix ("chins" is not "chinks" less its "k"), or itself
    a harmful word.
    """
    targets = {w for w in harmful if w.isalpha() and w.isascii()}
    known = set(english)
    meant: dict[str, set[str]] = {}
    for word in targets:
        for m in misspellings(word):
            if m not in targets:
                meant.setdefault(m, set()).add(word)
    table: dict[str, str] = {}
    for m, words in meant.items():
        shortest = min(words, key=len)
        # Two forms of one word ("retardd": "retard" doubled, "retarded" dropped) agree.
        if all(w.startswith(shortest) for w in words):
            table[m] = shortest
    return {m: w for m, w in table.items() if not _is_english(m, w, known)}


def _is_english(token: str, meant: str, known: set[str]) -> bool:
    """Whether ``token`` is a known word, or one with a suffix or any one letter more ("muslime"
    is German); a stem of the word it would be respelt as does not count ("retardd")."""
    if token in known:
        return True
    stems = [token[: -len(x)] for x in _SUFFIXES if token.endswith(x)]
    if len(token) > 4:  # "ki" + "l" is no word with a letter more
        stems.append(token[:-1])
    return any(stem in known and stem != meant for stem in stems)


def _lexicon_toml() -> dict[str, Any]:
    text = resources.files("civility.data").joinpath("lexicon.toml").read_text("utf-8")
    return tomllib.loads(text)


def _harmful_words(lexicon: Mapping[str, Any] | None = None) -> set[str]:
    """The lexicon's harmful words: its ``[[terms]]``, its ``[respell]`` list and the
    unambiguous one-word slurs of ``groups.json`` (read raw: those modules normalise with us)."""
    data = resources.files("civility.data")
    lexicon = lexicon if lexicon is not None else _lexicon_toml()
    words: set[str] = set(lexicon.get("respell", {}).get("words", ()))
    for entry in lexicon.get("terms", ()):
        for w in entry.get("words", ()):
            m = re.match(r"^([^{}]*)\{([^{}]*)\}$", w)
            words.update([m.group(1) + x for x in m.group(2).split(",")] if m else [w])
    for g in json.loads(data.joinpath("groups.json").read_text("utf-8"))["groups"]:
        words.update(t["term"] for t in g["terms"]
                     if t.get("slur") and not t.get("ambiguous") and " " not in t["term"])
    return words


def _group_words() -> set[str]:
    """Every one-word name of a group, people or place in ``groups.json`` ("shiite" is not
    a doubled "shite"; "muslime" not a dropped "mudslime")."""
    groups = json.loads(resources.files("civility.data").joinpath("groups.json").read_text("utf-8"))
    return {t["term"] for g in groups["groups"] for t in g["terms"] if not t.get("slur")
            and t["term"].isalpha()}


def _english_words() -> set[str]:
    """Whole English words of the packaged tokenizer's vocabulary (about 20,000), which is
    what the network knows as words; empty (so nothing is respelt) if it is not there."""
    path = resources.files("civility").joinpath("models", "civility-minilm", "tokenizer.json")
    try:
        vocab = json.loads(path.read_text("utf-8"))["model"]["vocab"]
    except (OSError, KeyError, ValueError):
        return set()
    return {w for w in vocab if w.isalpha() and w.isascii()}


@functools.cache
def respell_table() -> Mapping[str, str]:
    """Misspelling -> harmful word for stage 6, built on first use (about 0.1 s).

    Only words the lexicon already treats as harmful are targets, so a respelling can only
    make abuse visible, never make ordinary words look abusive; a token the tokenizer knows
    as a word is never touched. Empty when the packaged tokenizer is missing.
    """
    english = _english_words()
    if not english:
        return {}
    lexicon = _lexicon_toml()
    also_known = set(lexicon.get("respell", {}).get("english", ()))
    return build_respell_table(_harmful_words(lexicon), english | also_known | _group_words())


_WORD = re.compile(r"(?<![\w*])[a-z]{3,}(?![\w*])")
_LETTER_RUN = re.compile(r"[a-z]{3,}")


def _respell(text: str, offs: Sequence[int]) -> tuple[str, Sequence[int]]:
    table = respell_table()
    if table.keys().isdisjoint(_LETTER_RUN.findall(text)):  # the usual case, at C speed
        return text, offs
    return _splice(text, offs, _respellings(table, text, offs))


def _respellings(table: Mapping[str, str], text: str, offs: Sequence[int]) -> Iterator[_Edit]:
    for m in _WORD.finditer(text):
        word = table.get(m.group())
        if word is None:
            continue
        i, j = m.span()
        src = offs[i:j]
        # Every letter of the respelt word maps into the misspelt token, in order, so a span
        # over the word covers the whole token the reader saw.
        yield i, j, word, [src[min(k * len(src) // len(word), len(src) - 1)]
                           for k in range(len(word))]


def normalize(text: str) -> Normalized:
    """Normalise ``text`` for lexical matching; never raises for any ``str``."""
    offs: Sequence[int] = range(len(text) + 1)
    if text.isascii():
        t = text.lower()
    else:
        lowered = text.lower()  # first, so that folding mostly meets lower-case text
        t, offs = _fold_unicode(lowered if len(lowered) == len(text) else text, list(offs))
        lowered = t.lower()
        if len(lowered) == len(t):  # always true after folding; guards exotic case mappings
            t = lowered
        t = _CONF_WORD.sub(_deconfuse, t)
    if _SPACED.search(t):
        t, offs = _join_spaced(t, list(offs))
    t = _TOKEN_WITH_SYMBOL.sub(_unleet_token, t)
    if _STRETCH.search(t):
        t, offs = _collapse(t, list(offs))
    t, offs = _respell(t, offs)
    return Normalized(text, t, tuple(offs))


# --- matching masked words ---------------------------------------------------------


def fuzzy_pattern(word: str) -> str:
    """A regex (for normalised text) matching ``word`` whole, with inner letters maskable.

    ``fuzzy_pattern("fuck")`` matches ``fuck``, ``f*ck`` and ``f**k`` but not
    ``fucks`` or ``***k``: first and last letters must be real, and the caller
    should still check :func:`masked_match` to require at least two real letters.
    """
    w = word.lower()
    if len(w) <= 2:
        return r"(?<![\w*])" + re.escape(w) + r"(?![\w*])"
    inner = "".join(f"[{re.escape(c)}*]" if c.isalpha() else re.escape(c) for c in w[1:-1])
    return r"(?<![\w*])" + re.escape(w[0]) + inner + re.escape(w[-1]) + r"(?![\w*])"


def masked_match(token: str, word: str) -> bool:
    """Whether a token with ``*`` placeholders can be ``word``.

    Only inner letters may be masked, and at least two letters (and at least
    half of them) must be real, so ``f**k`` is "fuck" but ``s***`` is nothing.
    """
    n = len(word)
    if len(token) != n or n < 3 or token[0] != word[0] or token[-1] != word[-1]:
        return False
    masked = 0
    for a, b in zip(token, word, strict=True):
        if a == MASK:
            masked += 1
        elif a != b:
            return False
    return masked > 0 and n - masked >= max(2, (n + 1) // 2)
