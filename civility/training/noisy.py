"""Misspell training texts the way commenters do, so the network reads "idoit" as "idiot".

The normaliser undoes digits for letters and spaced-out words before the
network reads a comment, but not a dropped, swapped or doubled letter: those
have to be learnt. The words that carry a text's label are disguised most
often (that is where people disguise them), neutral words sometimes, so the
network learns that a misspelling is neither the signal nor a way past it.
"""

from __future__ import annotations

import random
import re

from civility.training.datasets import Example

#: Words that commonly carry a comment's label, in the forms commenters disguise.
CHARGED = frozenset("""
idiot idiots stupid moron morons dumb retard retarded scum trash garbage filth filthy
vermin rats rat cockroaches parasites animals savages subhuman subhumans pigs dogs apes
kill killed killing die dead death murder shoot shot hang hanged burn burned bomb bombs
gas gassed exterminate exterminated wipe slaughter behead rape beat hate hated disgusting
disgust sick worthless useless pathetic loser losers bitch bitches whore slut cunt fuck
fucking fucked shit bastard bastards ugly fat traitor traitors terrorist terrorists
invaders criminals thieves liar liars hope deserve deserves yourself neck rope bullet
""".split())
_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
_WORD = re.compile(r"[A-Za-z]{3,}")


def misspell(word: str, rng: random.Random) -> str:
    """One letter dropped, two swapped, one doubled, or one or two digits for letters.

    Never the word itself (swapping "ee" or leet on "bully" would change nothing).
    """
    for _ in range(4):
        wrong = _misspell_once(word, rng)
        if wrong != word:
            return wrong
    return word + word[-1]


def _misspell_once(word: str, rng: random.Random) -> str:
    kind = rng.random()
    if len(word) < 4:
        kind = 0.6 + 0.4 * kind  # a dropped or swapped letter leaves too little of short words
    inner = rng.randrange(1, len(word) - 1) if len(word) > 2 else 0
    if kind < 0.3:
        return word[:inner] + word[inner + 1 :]
    if kind < 0.6 and len(word) > 3:
        i = rng.randrange(1, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind < 0.8:
        return word[: inner + 1] + word[inner] + word[inner + 1 :]
    chars = list(word)
    spots = [i for i, c in enumerate(chars) if c.lower() in _LEET]
    for i in rng.sample(spots, min(len(spots), rng.randint(1, 2))):
        chars[i] = _LEET[chars[i].lower()]
    return "".join(chars)


def disguise(text: str, rng: random.Random, charged: float = 0.7, neutral: float = 0.08) -> str:
    """``text`` with charged words misspelt at rate ``charged``, other words at ``neutral``."""

    def one(m: re.Match[str]) -> str:
        word = m.group(0)
        rate = charged if word.lower() in CHARGED else neutral
        return misspell(word, rng) if rng.random() < rate else word

    return _WORD.sub(one, text)


def noisy_copies(
    examples: list[Example], n: int, seed: int
) -> list[tuple[Example, Example]]:
    """Up to ``n`` (noisy copy, original) pairs, preferring texts with a charged word.

    The copy keeps the original's labels but not its spans (the characters moved).
    """
    rng = random.Random(seed)
    flags = [any(w.lower() in CHARGED for w in _WORD.findall(e.text)) for e in examples]
    charged = [e for e, f in zip(examples, flags, strict=True) if f]
    rest = [e for e, f in zip(examples, flags, strict=True) if not f]
    pool = rng.sample(charged, min(len(charged), int(n * 0.8))) + rng.sample(
        rest, min(len(rest), n - min(len(charged), int(n * 0.8))))
    out = []
    for e in pool:
        text = disguise(e.text, rng)
        if text != e.text:
            out.append((Example(text, dict(e.labels), e.source + "+noisy", e.split), e))
    return out
