"""The audit log's hash chain: each entry stores the hash of its content and of the entry
before it, so an entry changed, removed or inserted after the fact shows up as a broken link.

Database triggers already refuse UPDATE, DELETE, REPLACE and TRUNCATE; the chain catches what
triggers cannot: someone with the database's superuser (triggers disabled) or the SQLite file.
Entries removed from the END leave a valid, shorter chain; compare the head hash with one
recorded elsewhere (``civility audit verify --anchor HASH``) to catch that too.

Pure functions: the store feeds rows in, in id order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: The "previous hash" of the first entry.
GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """What the hash covers (everything but the row id), plus the stored links."""

    id: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]
    site_id: int | None
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """``ok`` or the first broken entry and why; ``head`` is the last entry's hash."""

    entries: int
    head: str
    broken_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None and not self.problem


def entry_hash(prev_hash: str, at: datetime, actor: str, action: str, subject_type: str,
               subject_id: str, details: dict[str, Any], site_id: int | None) -> str:
    """SHA-256 of the previous hash and a canonical JSON of the entry (UTC, microseconds)."""
    when = (at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC))
    content = json.dumps([when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), actor, action, subject_type,
                          subject_id, details, site_id],
                         sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


def verify(entries: Iterable[ChainEntry], anchor: str | None = None) -> ChainReport:
    """Walk the chain in id order; stop at the first entry that does not hold.

    ``anchor``: a head hash recorded earlier; the chain must still contain it (else entries
    were cut from the end, or the log was rebuilt).
    """
    prev, count, anchor_seen = GENESIS, 0, anchor is None
    for e in entries:
        count += 1
        if e.prev_hash != prev:
            return ChainReport(count, prev, e.id, f"entry {e.id} does not follow the entry "
                               "before it: an entry was removed, inserted or altered there")
        expected = entry_hash(e.prev_hash, e.at, e.actor, e.action, e.subject_type,
                              e.subject_id, e.details, e.site_id)
        if e.hash != expected:
            return ChainReport(count, prev, e.id, f"entry {e.id} was altered: its content no "
                               "longer matches its hash")
        prev = e.hash
        anchor_seen = anchor_seen or e.hash == anchor
    if not anchor_seen:
        return ChainReport(count, prev, None, f"the anchor {anchor} is not in the chain: "
                           "entries were removed from the end or the log was rebuilt")
    return ChainReport(count, prev)
