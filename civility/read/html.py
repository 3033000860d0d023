"""HTML: trafilatura for the article, common comment markup (WordPress, Disqus-style lists)
for the comments, one record per comment element.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from civility.read.errors import PageError
from civility.read.text import _FLAGS, _is_comment_chrome, _is_page_chrome
from civility.records import Comment, Page

# --------------------------------------------------------------------------- HTML

_COMMENT_ITEM_CLASSES = frozenset(
    {"comment", "comment-body", "single-comment", "comment-item", "commentlist-item",
     "dsq-comment", "js-comment", "user-comment", "comment-entry", "c-comment"}
)
_COMMENT_CONTAINER_IDS = re.compile(
    r"^(?:comments?|comment-?list|commentlist|disqus_thread|dsq-comments|comments-section|"
    r"comment-section|user-comments|reader-comments)$",
    _FLAGS,
)
_COMMENT_CONTAINER_CLASSES = frozenset(
    {"comments", "comments-area", "comment-list", "commentlist", "comments-list",
     "comment-section", "comments-section", "article-comments", "user-comments",
     "reader-comments", "comments-container", "post-comments"}
)
_COMMENT_ITEM_ID = re.compile(r"^(?:li-|div-)?comment-\d+$", _FLAGS)
#: Disqus numbers its posts "post-N", as WordPress numbers whole articles: only
#: trusted inside a comment container.
_CONTAINED_ITEM_ID = re.compile(r"^post-\d+$", _FLAGS)
_ITEM_TAGS = frozenset({"li", "article", "div", "section", "blockquote"})
_AUTHOR_CLASSES = ("fn", "comment-author", "author", "username", "user-name",
                   "commenter", "author-name", "publisher-anchor-color")
_CONTENT_CLASSES = ("comment-content", "comment-text", "comment-message", "post-message",
                    "comment__body", "comment-content-inner")
_SKIP_CLASSES = frozenset(
    {"comment-meta", "comment-metadata", "reply", "comment-reply-link", "comment-actions",
     "says", "avatar", "comment-footer", "comment-header", "dsq-comment-header",
     "post-meta", "comment-awaiting-moderation", "children", "comment-respond"}
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "form", "button", "img", "svg",
                        "time", "template", "input", "textarea", "select", "iframe"})
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "blockquote", "pre", "h1", "h2", "h3", "h4",
                         "h5", "h6", "tr", "section", "article", "ul", "ol", "footer",
                         "header"})


def _classes(el: Any) -> set[str]:
    return set((el.get("class") or "").lower().split())


def _is_comment_item(el: Any, *, in_container: bool = False) -> bool:
    if not isinstance(el.tag, str) or el.tag.lower() not in _ITEM_TAGS:
        return False
    if (el.get("itemprop") or "").lower() == "comment":
        return True
    if "schema.org/comment" in (el.get("itemtype") or "").lower():
        return True
    if _classes(el) & _COMMENT_ITEM_CLASSES:
        return True
    if el.tag.lower() not in {"li", "article"}:
        return False
    el_id = el.get("id") or ""
    return bool(_COMMENT_ITEM_ID.match(el_id)) or (
        in_container and bool(_CONTAINED_ITEM_ID.match(el_id))
    )


def _is_comment_container(el: Any) -> bool:
    if not isinstance(el.tag, str):
        return False
    return bool(_COMMENT_CONTAINER_IDS.match(el.get("id") or "")) or bool(
        _classes(el) & _COMMENT_CONTAINER_CLASSES
    )


def _text_of(el: Any, skip: Callable[[Any], bool]) -> str:
    """Visible text of ``el`` with block boundaries as newlines, skipping subtrees."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and not skip(child):
                walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _BLOCK_TAGS:
            parts.append("\n")

    walk(el)
    joined = "".join(parts)
    lines = [re.sub(r"\s+", " ", line).strip() for line in joined.split("\n")]
    return "\n".join(line for line in lines if line)


def _find_first(root: Any, pred: Callable[[Any], bool], stop: Callable[[Any], bool]) -> Any:
    """First descendant matching ``pred`` in document order, not descending into ``stop``."""
    for child in root:
        if not isinstance(child.tag, str) or stop(child):
            continue
        if pred(child):
            return child
        found = _find_first(child, pred, stop)
        if found is not None:
            return found
    return None


_SAYS_SUFFIX = re.compile(r"\s*(?:says|said|wrote|writes)\s*:?\s*$", _FLAGS)


def _structural_comments(tree: Any) -> tuple[list[Comment], list[str], bool]:
    """Comments from common markup, one record per comment element.

    Returns the comments, headings found in the comment section (boilerplate),
    and whether a comment section exists at all (even an empty one).
    """
    containers = [el for el in tree.iter() if _is_comment_container(el)]
    # The outermost containers; nested ones (ol.comment-list in #comments) add nothing.
    outer = [c for c in containers if not any(a in containers for a in c.iterancestors())]
    roots = outer or [tree]
    items: list[Any] = []
    for root in roots:
        items.extend(
            el for el in root.iter()
            if el is not root and _is_comment_item(el, in_container=bool(outer))
        )
    item_set = set(items)

    comments: list[Comment] = []
    for item in items:
        def is_sub_item(el: Any, item: Any = item) -> bool:
            return el is not item and el in item_set

        author_el = None
        for cls in _AUTHOR_CLASSES:
            author_el = _find_first(item, lambda e, c=cls: c in _classes(e), is_sub_item)
            if author_el is not None:
                break
        if author_el is None:
            author_el = _find_first(
                item, lambda e: (e.get("itemprop") or "").lower() == "author", is_sub_item
            )
        author: str | None = None
        if author_el is not None:
            name_el = _find_first(
                author_el, lambda e: (e.get("itemprop") or "").lower() == "name", lambda e: False
            )
            raw = _text_of(name_el if name_el is not None else author_el, _skip_noise)
            author = _SAYS_SUFFIX.sub("", raw.replace("\n", " ")).strip() or None

        content_el = _find_first(
            item,
            lambda e: bool(_classes(e) & set(_CONTENT_CLASSES))
            or (e.get("itemprop") or "").lower() in {"text", "commenttext"},
            is_sub_item,
        )

        def skip(el: Any, author_el: Any = author_el, sub: Any = is_sub_item) -> bool:
            return sub(el) or el is author_el or _skip_noise(el)

        text = _text_of(content_el if content_el is not None else item, skip)
        if content_el is None:
            text = "\n".join(
                line for line in text.split("\n")
                if not _is_comment_chrome(line) and not _is_page_chrome(line)
            )
        if text.strip():
            comments.append(Comment(id=str(len(comments) + 1), text=text.strip(), author=author))

    headings: list[str] = []
    for root in outer:
        for el in root.iter("h1", "h2", "h3", "h4"):
            heading = _text_of(el, _skip_noise).replace("\n", " ").strip()
            if heading and not any(el is item or item in el.iterancestors() for item in items):
                headings.append(heading)
    return comments, headings, bool(outer) or bool(comments)


def _skip_noise(el: Any) -> bool:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag in _SKIP_TAGS:
        return True
    if (el.get("aria-hidden") or "").lower() == "true":
        return True
    return bool(_classes(el) & _SKIP_CLASSES)


def parse_html(html: str | bytes) -> Page:
    """Read an HTML page: trafilatura for the article, markup for the comments.

    Structural comment records win because they keep each comment (and its
    author) separate; trafilatura's comment text is the fallback, with one
    record per paragraph and a lower confidence since boundaries may be off.
    """
    import lxml.html
    import trafilatura
    from lxml import etree

    if isinstance(html, str):
        if not html.strip():
            raise PageError("the HTML page is empty")
        # lxml refuses str input that carries an encoding declaration.
        raw: str | bytes = html.encode("utf-8") if html.lstrip().startswith("<?xml") else html
    elif isinstance(html, bytes):
        if not html.strip():
            raise PageError("the HTML page is empty")
        raw = html
    else:
        raise PageError(f"parse_html expects str or bytes, got {type(html).__name__}")

    try:
        tree = lxml.html.document_fromstring(raw)
    except (etree.ParserError, ValueError) as exc:
        raise PageError(f"could not parse the HTML: {exc}") from exc

    structural, headings, has_section = _structural_comments(tree)

    document = trafilatura.bare_extraction(
        raw, include_comments=False, with_metadata=True, include_tables=True
    )
    article = (getattr(document, "text", None) or "").strip() if document is not None else ""
    title = (getattr(document, "title", None) or None) if document is not None else None
    if not article:
        article = _fallback_article(tree)
    if title is None:
        found = tree.findtext(".//title") or tree.findtext(".//h1")
        title = found.strip() if found and found.strip() else None

    if structural:
        comments, confidence = structural, 0.9
    else:
        comments = _trafilatura_comments(raw)
        if comments:
            confidence = 0.6
        elif has_section:
            confidence = 0.85  # an empty comment section: confident there are none
        else:
            confidence = 0.5
    # Comment text that trafilatura left in the article would be scored twice.
    for comment in comments:
        first_line = comment.text.split("\n", 1)[0]
        if len(first_line) > 40 and first_line in article:
            confidence = min(confidence, 0.7)
            break
    return Page(
        article=article,
        comments=tuple(comments),
        boilerplate=tuple(headings),
        title=title,
        confidence=confidence,
        source_format="html",
    )


def _trafilatura_comments(raw: str | bytes) -> list[Comment]:
    import trafilatura

    document = trafilatura.bare_extraction(raw, include_comments=True, with_metadata=False)
    body = getattr(document, "commentsbody", None) if document is not None else None
    if body is None:
        return []
    comments: list[Comment] = []
    for el in body:
        text = " ".join("".join(el.itertext()).split())
        if text and not _is_comment_chrome(text) and not _is_page_chrome(text):
            comments.append(Comment(id=str(len(comments) + 1), text=text))
    return comments


def _fallback_article(tree: Any) -> str:
    """Text of <article> or <body> minus comment sections, when trafilatura gives up."""
    root = next(iter(tree.iter("article")), None)
    if root is None:
        root = next(iter(tree.iter("body")), tree)

    def skip(el: Any) -> bool:
        return _skip_noise(el) or _is_comment_container(el) or _is_comment_item(el) or (
            isinstance(el.tag, str) and el.tag.lower() in {"nav", "header", "footer", "aside"}
        )

    return _text_of(root, skip)
