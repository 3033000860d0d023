"""``civility score`` over whole files: the batch file contract and the engines that keep it.

The package, in the order a row travels:

* ``contract``: the file contract (:class:`Record`, :class:`Rejected`, one output row per
  verdict) and :func:`moderate_records`, the one step every engine runs;
* ``readers`` / ``writers``: streaming JSONL, CSV and Parquet in, committed writes out
  (which format a path is: :mod:`civility.fileformats`);
* ``engine``: the one interface, ``Engine.run(job) -> Summary``, and :func:`make_engine`;
* ``local`` (worker processes, resumable) and ``ray`` (Ray Data on a cluster): the engines.

Neither pyarrow nor Ray is imported until a Parquet file or the Ray engine is used.
"""

from __future__ import annotations

from civility.batch.contract import (
    CONTEXT_KEYS,
    MAX_TEXT_CHARS,
    TIME_FIELDS,
    Record,
    Rejected,
    moderate_records,
    parse_time,
)
from civility.batch.engine import (
    Engine,
    Job,
    JobError,
    Summary,
    make_engine,
    moderator_scorer,
)
from civility.batch.local import LocalEngine
from civility.batch.ray import RayEngine
from civility.batch.readers import Columns
from civility.fileformats import FormatError

__all__ = [
    "CONTEXT_KEYS",
    "MAX_TEXT_CHARS",
    "TIME_FIELDS",
    "Columns",
    "Engine",
    "FormatError",
    "Job",
    "JobError",
    "LocalEngine",
    "RayEngine",
    "Record",
    "Rejected",
    "Summary",
    "make_engine",
    "moderate_records",
    "moderator_scorer",
    "parse_time",
]
