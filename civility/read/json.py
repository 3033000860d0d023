"""JSON: ``{"article", "title"?, "comments": [...]}`` or a bare list of comments.
"""

from __future__ import annotations

import json
from typing import Any

from civility.read.errors import PageError
from civility.records import Comment, Page, invalid_unicode

# --------------------------------------------------------------------------- JSON


def parse_json(data: str | bytes | dict[str, Any] | list[Any]) -> Page:
    """Read ``{"article", "title"?, "comments": [{"id"?, "text", "author"?}]}`` or a bare list.

    Validation names the offending field and index because these files are
    usually hand-written or exported by another system, and "invalid input"
    alone would leave the user guessing.
    """
    if isinstance(data, str | bytes):
        try:
            payload: Any = json.loads(data)
        except json.JSONDecodeError as exc:
            raise PageError(
                f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise PageError(f"JSON must be UTF-8 encoded: {exc}") from exc
    else:
        payload = data

    if isinstance(payload, list):
        return Page(article="", comments=_json_comments(payload, "comments"), confidence=1.0,
                    source_format="json")
    if not isinstance(payload, dict):
        raise PageError(
            "expected a JSON object like {\"article\": ..., \"comments\": [...]} or a list of "
            f"comments, got {_json_type(payload)}"
        )
    if "comments" not in payload:
        keys = ", ".join(repr(k) for k in payload) or "none"
        raise PageError(
            "missing 'comments': expected a list of {\"id\", \"text\", \"author\"?} objects "
            f"(keys found: {keys})"
        )
    article = payload.get("article", "")
    if article is None:
        article = ""
    if not isinstance(article, str):
        raise PageError(f"article must be a string, got {_json_type(article)}")
    _check_unicode(article, "article")
    title = payload.get("title")
    if title is not None and not isinstance(title, str):
        raise PageError(f"title must be a string, got {_json_type(title)}")
    if title is not None:
        _check_unicode(title, "title")
    return Page(
        article=article.strip(),
        comments=_json_comments(payload["comments"], "comments"),
        title=title.strip() or None if isinstance(title, str) else None,
        confidence=1.0,
        source_format="json",
    )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _check_unicode(value: str, at: str) -> None:
    """JSON can spell text no tokenizer accepts (a lone surrogate): say where, up front."""
    problem = invalid_unicode(value)
    if problem:
        raise PageError(f"{at} {problem}")


def _json_comments(items: Any, where: str) -> tuple[Comment, ...]:
    if not isinstance(items, list):
        raise PageError(f"{where} must be a list of comments, got {_json_type(items)}")
    comments: list[Comment] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        at = f"{where}[{index}]"
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict):
            raise PageError(
                f"{at} must be an object with a 'text' field (or a string), got {_json_type(item)}"
            )
        if "text" not in item:
            raise PageError(f"{at} has no 'text' field")
        text = item["text"]
        if not isinstance(text, str):
            raise PageError(f"{at}.text must be a string, got {_json_type(text)}")
        _check_unicode(text, f"{at}.text")
        raw_id = item.get("id")
        if raw_id is None:
            cid = str(index + 1)
        elif isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
            raise PageError(f"{at}.id must be a string or an integer, got {_json_type(raw_id)}")
        else:
            cid = str(raw_id)
            if not cid.strip():
                raise PageError(f"{at}.id must not be empty")
            _check_unicode(cid, f"{at}.id")
        if cid in seen:
            raise PageError(
                f"{at}.id {cid!r} repeats {where}[{seen[cid]}].id; ids must be unique "
                "(give every comment an id, or none so they are numbered by position)"
            )
        seen[cid] = index
        author = item.get("author")
        if author is not None and not isinstance(author, str):
            raise PageError(f"{at}.author must be a string, got {_json_type(author)}")
        if author is not None:
            _check_unicode(author, f"{at}.author")
        author = (author.strip() or None) if author else None
        comments.append(Comment(id=cid, text=text, author=author))
    return tuple(comments)
