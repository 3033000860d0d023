"""The pipeline: text in → normalise → score → explain → decide.

``Moderator`` wires the stages together and is the one object the CLI, the
server and the batch scorer share. Each stage is a plain function in its own
module; this class only holds what is expensive to build (the model session,
the policy) and runs the stages in order over a batch.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from civility import explain, fuse, lexicons
from civility.groups import Mention, find_mentions
from civility.language import identify
from civility.lexical import Evidence, Mitigation, analyse
from civility.model import NeuralScorer, shared_scorer
from civility.normalize import Normalized, normalize
from civility.policy import Policy, decide, default_policy, load_policy
from civility.records import Comment, ModelOutput, Page, Span, Verdict
from civility.targets import attacks_people, find_targets

TextLike = str | Comment
#: Articles whose context is kept (the live threads of a busy site; up to ~100 KB each).
_ARTICLES = 128


class Moderator:
    """Score, explain and decide comments under a publisher's policy.

    >>> from civility import Moderator
    >>> verdicts = Moderator().moderate(["Thanks for the clear article."])
    >>> verdicts[0].decision
    'publish'
    """

    def __init__(
        self,
        policy: Policy | str | os.PathLike[str] | None = None,
        *,
        model: str | os.PathLike[str] | None = None,
        threads: int | None = None,
        screen: bool = True,
    ) -> None:
        self.policy = (
            policy
            if isinstance(policy, Policy)
            else (load_policy(policy) if policy is not None else default_policy())
        )
        self._flag_levels = _flag_levels(self.policy)
        self._articles: OrderedDict[str, _ArticleContext] = OrderedDict()
        self._articles_lock = threading.Lock()
        self.scorer: NeuralScorer = shared_scorer(None if model is None else str(model), threads)
        #: Let the screen spare the transformer what it would find benign (see civility.screen).
        self.screen = screen and self.scorer.screen is not None

    @property
    def version(self) -> str:
        return self.scorer.version

    def moderate(self, texts: Sequence[TextLike], article: str | None = None, *,
                 policy: Policy | None = None) -> list[Verdict]:
        """One :class:`Verdict` per input, in input order.

        ``policy`` decides instead of the moderator's own for this call (the server keeps one
        model for every site, each of which may have its own policy).
        """
        policy = policy or self.policy
        levels = self._flag_levels if policy is self.policy else _flag_levels(policy)
        comments = [
            t if isinstance(t, Comment) else Comment(str(i + 1), t) for i, t in enumerate(texts)
        ]
        if not comments:
            return []
        norms = [normalize(c.text) for c in comments]
        mentions = [_mentions(n) for n in norms]
        analysed = [analyse(n) for n in norms]
        evidence = [found for found, _cues in analysed]
        context = self._article_context(article) if article else None
        topic = _topic_cues(norms, mentions, context) if context else None
        outputs = self.scorer.predict(
            [c.text for c in comments],
            screen_levels=levels if self.screen else None,
            # Whatever the rules noticed, the transformer reads: the screen never overrules them.
            must_read=[
                [(x.start, x.end) for x in (*found, *ev)]
                for found, ev in zip(mentions, evidence, strict=True)
            ],
            normalized=norms,
        )
        off_topic: list[float | None] = [None] * len(comments)
        if topic is not None:
            off_topic = [fuse.off_topic_probability(overlap, shared_group=shared)
                         for overlap, shared in topic]
        return [
            self._verdict(*args, policy=policy, levels=levels)
            for args in zip(comments, norms, mentions, analysed, outputs, off_topic, strict=True)
        ]

    def moderate_page(self, page: Page) -> list[Verdict]:
        return self.moderate(list(page.comments), article=page.article or None)

    def _verdict(
        self,
        comment: Comment,
        norm: Normalized,
        mentions: list[Mention],
        analysed: tuple[list[Evidence], list[Mitigation]],
        output: ModelOutput,
        off_topic: float | None,
        *,
        policy: Policy,
        levels: dict[str, float],
    ) -> Verdict:
        evidence, cues = analysed
        attributes = fuse.combine(
            output.scores,
            ((e.attribute, e.prob) for e in evidence),
            off_topic=off_topic,
            damping=fuse.model_damping(evidence, cues),
        )
        rule_spans = [_span(e) for e in evidence]
        targets = find_targets(norm, mentions, attributes, [(e.start, e.end) for e in evidence])
        attributes = fuse.compose(attributes, aimed_at_people=attacks_people(mentions, targets))
        target_spans = [
            Span(t.start, t.end, "identity_attack", comment.text[t.start : t.end])
            for t in targets
            if attributes["identity_attack"] >= 0.5
        ]
        model_spans = explain.token_spans(
            comment.text, output.token_offsets, output.token_scores, attributes
        )
        spans = explain.combine_spans(
            comment.text,
            [*rule_spans, *target_spans],
            model_spans,
            attributes,
            levels,
        )
        language = identify(comment.text)
        action, reasons = decide(policy, attributes, targets, norm.text, language)
        return Verdict(
            id=comment.id,
            text=comment.text,
            attributes=attributes,
            targets=targets,
            spans=spans,
            decision=action,
            reasons=reasons,
            model_version=self.version,
            language=language,
        )

    def _article_context(self, article: str) -> _ArticleContext:
        """Stems and named groups of an article, worked out once for all its comments.

        Every comment of a thread comes with the same article (the server sends its stored
        text with each request, a page file with each batch), and normalising and stemming a
        long article costs more than scoring a short comment. The latest ``_ARTICLES``
        articles are kept by a hash of their text (so an edited article is worked out
        again), the least recently used dropped first.
        """
        key = hashlib.sha1(article.encode("utf-8", "replace")).hexdigest()
        with self._articles_lock:
            if (hit := self._articles.get(key)) is not None:
                self._articles.move_to_end(key)
                return hit
        norm = normalize(article[:20_000])
        context = _ArticleContext(
            stems=fuse.article_stems(norm.text),
            groups=frozenset(m.group for m in find_mentions(norm)),
        )
        with self._articles_lock:
            self._articles[key] = context
            while len(self._articles) > _ARTICLES:
                self._articles.popitem(last=False)
        return context


@dataclass(frozen=True, slots=True)
class _ArticleContext:
    stems: frozenset[str]
    groups: frozenset[str]


def _topic_cues(
    norms: Sequence[Normalized], mentions: Sequence[list[Mention]], context: _ArticleContext
) -> list[tuple[float, bool]]:
    """Per comment, the share of its words the article uses and whether they name a group."""
    return [
        (
            fuse.lexical_overlap(norm.text, context.stems),
            any(m.group in context.groups for m in found),
        )
        for norm, found in zip(norms, mentions, strict=True)
    ]


def _flag_levels(policy: Policy) -> dict[str, float]:
    """Explain an attribute once it is more likely than not, or when the policy acts sooner.

    Explanations do not wait for the policy's review threshold: a moderator
    looking at a published comment still wants to see what was borderline.
    The screen uses the same levels: below them a score changes nothing.
    """
    return {
        a: min(x for x in (0.5, t.review, t.reject) if x is not None)
        for a, t in policy.thresholds.items()
    }


def _mentions(norm: Normalized) -> list[Mention]:
    """Group mentions in English, plus those the other languages' lexicons name."""
    found = find_mentions(norm)
    extra = [m for m in lexicons.mentions(norm)
             if not any(o.start < m.end and m.start < o.end for o in found)]
    return sorted([*found, *extra], key=lambda m: (m.start, m.end)) if extra else found


def _span(e: Evidence) -> Span:
    return Span(e.start, e.end, e.attribute, e.text, e.prob)
