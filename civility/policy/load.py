"""Loading a policy: TOML files (with ``extends``), the packaged defaults, validation with
errors that name the file and key, and what changed between two policies.
"""

from __future__ import annotations

import functools
import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from civility.policy.records import (
    _CATEGORIES,
    _COMMENTS,
    _DEFAULT_GROUP_ATTRIBUTES,
    _DEFAULT_MIN_SCORE,
    _TOP_LEVEL_KEYS,
    GroupRule,
    LanguageRule,
    Policy,
    PolicyError,
    Threshold,
    WordRule,
    _comments,
    _fmt,
    _merge_comments,
)
from civility.records import ACTIONS, ATTRIBUTES

# --------------------------------------------------------------------------- loading


def load_policy(path: str | os.PathLike[str] | None = None) -> Policy:
    """Read and validate a policy file; ``None`` gives the packaged ``news`` policy."""
    if path is None:
        return default_policy()
    return _from_data(_read_merged(Path(path), seen=()), source=str(path))


@functools.cache
def default_policy() -> Policy:
    """The packaged ``news`` policy (parsed once per process)."""
    return _from_data(_read_packaged("news"), source="civility/policies/news.toml")


def loads_policy(text: str, source: str = "<policy>") -> Policy:
    """A policy from TOML text (one kept in the database rather than a file).

    ``extends`` may name a packaged policy; there is no folder to find a file relative to.
    """
    data = _parse(text, source)
    base = data.get("extends")
    if base is not None:
        if not isinstance(base, str) or base.endswith(".toml") or "/" in base:
            raise PolicyError(f"{source}: extends can only name a packaged policy here "
                              f"(e.g. \"news\"), not {base!r}")
        data = _merge(_read_packaged(base), data)
    return _from_data(data, source)


def policy_changes(old: Policy, new: Policy) -> list[str]:
    """What deciding under ``new`` instead of ``old`` changes, one line each, for people.

    The audit log keeps these lines when an admin applies a policy, so the entry says what
    changed without anyone diffing two files.
    """
    out: list[str] = []
    if old.name != new.name:
        out.append(f"name: {old.name!r} → {new.name!r}")
    for attr in ATTRIBUTES:
        a, b = old.thresholds.get(attr), new.thresholds.get(attr)
        if a == b:
            continue
        for step in ("review", "reject"):
            x = getattr(a, step) if a else None
            y = getattr(b, step) if b else None
            if x != y:
                out.append(f"{attr}.{step}: {_fmt(x)} → {_fmt(y)}")
    for what, before, after in (("group rules", old.group_rules, new.group_rules),
                                ("word rules", old.word_rules, new.word_rules)):
        if before != after:
            out.append(f"{what}: {len(before)} → {len(after)}"
                       + (" (changed)" if len(before) == len(after) else ""))
    if old.language_rule != new.language_rule:
        out.append(f"languages: {_language_summary(old)} → {_language_summary(new)}")
    return out


def _language_summary(policy: Policy) -> str:
    rule = policy.language_rule
    if rule is None:
        return "off"
    return f"{rule.action} outside {', '.join(rule.covered) or '(none)'}"


def _read_packaged(name: str) -> dict[str, Any]:
    res = resources.files("civility") / "policies" / f"{name}.toml"
    if not res.is_file():
        raise PolicyError(f"no packaged policy named {name!r}")
    return _parse(res.read_text(encoding="utf-8"), f"civility/policies/{name}.toml")


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML: {exc}") from exc
    data[_COMMENTS] = _comments(text)
    return data


def _read_merged(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    """Read ``path`` and fold in whatever it ``extends``."""
    try:
        data = _parse(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy: {exc.strerror or exc}") from exc
    base_ref = data.get("extends")
    if base_ref is None:
        return data
    if not isinstance(base_ref, str):
        raise PolicyError(f"{path}: extends must be a policy name or a path")
    base_path = path.parent / base_ref
    if base_path.suffix == ".toml" or base_path.is_file():
        if base_path.resolve() in seen:
            raise PolicyError(f"{path}: extends {base_ref!r} forms a cycle")
        base = _read_merged(base_path, (*seen, path.resolve()))
    else:
        base = _read_packaged(base_ref)
    return _merge(base, data)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **{k: v for k, v in over.items() if k != "extends"}}
    merged.pop("extends", None)
    merged[_COMMENTS] = _merge_comments(base, over)
    for key in ("thresholds", "languages"):
        if isinstance(base.get(key), dict) and isinstance(over.get(key), dict):
            merged[key] = {**base[key], **over[key]}
    for key in ("groups", "words"):
        if isinstance(base.get(key), list) and isinstance(over.get(key), list):
            merged[key] = [*base[key], *over[key]]
    return merged


def _from_data(data: dict[str, Any], source: str) -> Policy:
    data = dict(data)
    comments = data.pop(_COMMENTS, {})
    _check_keys(data, _TOP_LEVEL_KEYS, source, "")
    name = data.get("name", Path(source).stem)
    description = data.get("description", "")
    if not isinstance(name, str) or not isinstance(description, str):
        raise PolicyError(f"{source}: name and description must be strings")
    return Policy(
        name=name,
        description=description,
        thresholds=_thresholds(_table(data, "thresholds", source), source),
        group_rules=tuple(_group_rule(g, source, f"groups[{i}]")
                          for i, g in enumerate(_array(data, "groups", source))),
        language_rule=_language_rule(_table(data, "languages", source), source),
        word_rules=tuple(_word_rule(w, source, f"words[{i}]")
                         for i, w in enumerate(_array(data, "words", source))),
        comments=comments,
    )


def _thresholds(table: dict[str, Any], source: str) -> dict[str, Threshold]:
    unknown = [k for k in table if k not in ATTRIBUTES]
    if unknown:
        raise PolicyError(
            f"{source}: unknown attribute(s) in [thresholds]: {', '.join(unknown)}; "
            f"valid attributes are: {', '.join(ATTRIBUTES)}")
    out: dict[str, Threshold] = {}
    for attr in ATTRIBUTES:
        if attr not in table:
            continue
        key = f"thresholds.{attr}"
        entry = table[attr]
        if not isinstance(entry, dict):
            raise PolicyError(f"{source}: {key} must be a table with review and/or reject")
        _check_keys(entry, ("review", "reject"), source, key)
        review = _score(entry.get("review"), source, f"{key}.review")
        reject = _score(entry.get("reject"), source, f"{key}.reject")
        if review is not None and reject is not None and review > reject:
            raise PolicyError(f"{source}: {key}.review ({review}) must not be above "
                              f"{key}.reject ({reject})")
        out[attr] = Threshold(review=review, reject=reject)
    return out


def _group_rule(entry: Any, source: str, key: str) -> GroupRule:
    if not isinstance(entry, dict):
        raise PolicyError(f"{source}: {key} must be a table")
    _check_keys(entry, ("category", "group", "action", "min_score", "attributes"), source, key)
    categories = _strings(entry.get("category", []), source, f"{key}.category")
    bad = [c for c in categories if c not in _CATEGORIES]
    if bad:
        raise PolicyError(f"{source}: {key}.category: unknown category {', '.join(bad)}; "
                          f"valid categories are: {', '.join(_CATEGORIES)}")
    groups = _strings(entry.get("group", []), source, f"{key}.group")
    if not categories and not groups:
        raise PolicyError(f"{source}: {key} needs a category or a group")
    attributes = _strings(entry.get("attributes", list(_DEFAULT_GROUP_ATTRIBUTES)),
                          source, f"{key}.attributes")
    bad = [a for a in attributes if a not in ATTRIBUTES]
    if bad or not attributes:
        raise PolicyError(f"{source}: {key}.attributes: unknown attribute(s) "
                          f"{', '.join(bad) or '(none given)'}; "
                          f"valid attributes are: {', '.join(ATTRIBUTES)}")
    min_score = _score(entry.get("min_score", _DEFAULT_MIN_SCORE), source, f"{key}.min_score")
    return GroupRule(action=_action(entry, ("review", "reject"), source, key),
                     categories=categories, groups=groups,
                     min_score=_DEFAULT_MIN_SCORE if min_score is None else min_score,
                     attributes=attributes)


def _word_rule(entry: Any, source: str, key: str) -> WordRule:
    if not isinstance(entry, dict):
        raise PolicyError(f"{source}: {key} must be a table")
    _check_keys(entry, ("match", "action"), source, key)
    phrases = tuple(p.strip() for p in _strings(entry.get("match"), source, f"{key}.match"))
    if not phrases or not all(phrases):
        raise PolicyError(f"{source}: {key}.match must list at least one non-empty phrase")
    return WordRule(phrases=phrases, action=_action(entry, ("review", "reject", "allow"),
                                                    source, key))


def _language_rule(entry: dict[str, Any], source: str) -> LanguageRule | None:
    if not entry:
        return None
    _check_keys(entry, ("covered", "action"), source, "languages")
    action = _action(entry, ACTIONS, source, "languages")
    covered = _strings(entry.get("covered", []), source, "languages.covered")
    if action == "publish":
        return None
    return LanguageRule(covered=tuple(c.strip().lower() for c in covered), action=action)


def _action(entry: dict[str, Any], allowed: tuple[str, ...], source: str, key: str) -> Any:
    action = entry.get("action")
    if action not in allowed:
        raise PolicyError(f"{source}: {key}.action must be one of {', '.join(allowed)} "
                          f"(got {action!r})")
    return action


def _score(value: Any, source: str, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise PolicyError(f"{source}: {key} must be between 0 and 1 (got {value!r})")
    return float(value)


def _strings(value: Any, source: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{source}: {key} must be a string or a list of strings")


def _table(data: dict[str, Any], key: str, source: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise PolicyError(f"{source}: {key} must be a table ([{key}.<name>])")
    return value


def _array(data: dict[str, Any], key: str, source: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise PolicyError(f"{source}: {key} must be an array of tables ([[{key}]])")
    return value


def _check_keys(entry: dict[str, Any], allowed: tuple[str, ...], source: str, key: str) -> None:
    unknown = [k for k in entry if k not in allowed]
    if unknown:
        where = f"{key}: " if key else ""
        raise PolicyError(f"{source}: {where}unknown key(s) {', '.join(unknown)}; "
                          f"expected {', '.join(allowed)}")
