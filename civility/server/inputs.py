"""Bounds checked at the edge, so a value the database cannot hold is a 400, never a 500.

Ids are INTEGER columns (32-bit on PostgreSQL); offsets are bounded far beyond any real page;
times must survive conversion to UTC (``0001-01-01T00:00:00+05:00`` is in year 0 in UTC).
NUL characters and over-deep JSON are refused earlier, by
:class:`civility.server.errors.RequestGuardMiddleware`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, Field

#: The largest row id: INTEGER primary keys are 32-bit on PostgreSQL.
MAX_ID = 2**31 - 1
#: The largest ``offset`` a listing accepts (bigint on every backend, and 200,000 pages).
MAX_OFFSET = 10_000_000


def utc_datetime(value: datetime) -> datetime:
    """``value`` in UTC (naive means UTC, as stored); ValueError if UTC cannot represent it."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as err:
        raise ValueError(f"{value.isoformat()} is out of range once converted to UTC "
                         f"(years 1-9999)") from err


#: A request field holding a date/time; stored and compared in UTC.
UtcDateTime = Annotated[datetime, AfterValidator(utc_datetime)]
#: An internal row id in a path (``/comments/by-id/{comment_id}``).
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="Internal id")]
#: An internal row id in a body.
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]


def in_id_range(value: int) -> bool:
    """Whether any row could have id ``value`` (the UI treats others as not found)."""
    return 1 <= value <= MAX_ID
