"""Score Parquet on Ray Data: the local engine's scorer in an actor pool, for clusters.

The adapter is thin on purpose: :func:`score_table` and :func:`reject_table` are
plain Arrow-batch-in, Arrow-batch-out functions (tested without Ray), and
:class:`ScoreActor` only holds a scorer so each actor loads the ONNX model once.

Two passes read the input: one scores the valid rows into ``output`` (a
directory of Parquet files, in input order), the other (no model, cheap)
collects the rows that cannot be scored into ``rejects`` (JSONL files with the
input file path and the reason: a distributed read has no global line numbers,
so Ray runs need an id column).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from civility.batch import Record, Rejected, leave_out
from civility.engines.local import ScoreFn, moderator_scorer
from civility.formats import Columns, FormatError, records_from_arrow, results_to_arrow


@dataclass(frozen=True, slots=True)
class RaySummary:
    scored: int
    rejected: int
    seconds: float
    actors: int
    rejects_path: str | None


#: Each input row's position, carried through scoring so the output can be put back in order.
ROW = "__civility_row"


def score_table(table: Any, columns: Columns, score: ScoreFn, omit: tuple[str, ...] = ()) -> Any:
    """Scored rows (the Parquet output schema) for the valid rows of an Arrow batch.

    A ``ROW`` column in the batch is carried into the output, row for row; ``omit`` keys
    ("text", "author") are left empty.
    """
    import pyarrow as pa

    records = [r for r in records_from_arrow(table, columns) if isinstance(r, Record)]
    out = results_to_arrow([leave_out(r, omit) for r in score(records)] if records else [])
    if ROW in table.schema.names:
        positions = table.column(ROW).to_pylist()
        out = out.append_column(ROW, pa.array([positions[r.line - 1] for r in records], pa.int64()))
    return out


def reject_table(table: Any, columns: Columns) -> Any:
    """``path``, ``reason`` and ``raw`` of each row of an Arrow batch that cannot be scored."""
    import pyarrow as pa

    paths = (table.column("path").to_pylist() if "path" in table.schema.names
             else [None] * table.num_rows)
    bad = [(paths[r.line - 1], r.reason, r.raw) for r in records_from_arrow(table, columns)
           if isinstance(r, Rejected)]
    return pa.table({"path": pa.array([b[0] for b in bad], pa.string()),
                     "reason": pa.array([b[1] for b in bad], pa.string()),
                     "raw": pa.array([b[2] for b in bad], pa.string())})


class ScoreActor:
    """One Ray actor: loads the model once, then scores batch after batch."""

    def __init__(self, columns: Columns, model: str | None, policy: str | None,
                 threads: int = 1, screen: bool = True, omit: tuple[str, ...] = ()) -> None:
        self._columns, self._omit = columns, omit
        self._score = moderator_scorer(model, policy, threads, screen)

    def __call__(self, table: Any) -> Any:
        return score_table(table, self._columns, self._score, self._omit)


def run_ray(input: str, output: str, *, columns: Columns | None = None, rejects: str | None = None,
            workers: int | None = None, batch_size: int = 256, address: str | None = None,
            policy: str | None = None, model: str | None = None,
            screen: bool = True, omit: tuple[str, ...] = ()) -> RaySummary:
    """Score Parquet ``input`` (file, directory or cloud path) into Parquet ``output``.

    Joins ``address`` when given (``auto`` or ``ray://host:10001``), reuses an
    already initialised Ray, or else starts a local one.
    """
    import ray
    import ray.data

    columns = columns or Columns()
    started = time.monotonic()
    local_cores = os.cpu_count() or 1
    if not ray.is_initialized():
        if address:
            ray.init(address=address)
        else:
            # Twice the cores as logical CPUs: with one actor per core holding every CPU, the
            # read and write tasks would otherwise never be scheduled (a deadlock on small boxes).
            ray.init(num_cpus=2 * local_cores, include_dashboard=False,
                     _node_ip_address="127.0.0.1")
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    if workers:
        actors: int | tuple[int, int] = workers
    elif address:
        actors = (1, max(1, int(ray.cluster_resources().get("CPU", 1))))
    else:
        actors = local_cores
    model = model or os.environ.get("CIVILITY_MODEL")

    source = ray.data.read_parquet(input)
    names = source.schema().names
    if columns.text not in names:
        raise FormatError(f"no {columns.text!r} column in {input} (columns: {', '.join(names)})")
    if columns.id not in names:
        raise FormatError(f"--engine ray needs an id column ({columns.id!r} is not in {input}): "
                          f"a distributed read has no global row numbers")
    wanted = [c for c in columns.names() if c in names]
    total = source.count()

    # An actor pool may hand batches back out of order even with preserve_order (Ray makes
    # no promise for actors), so every row carries its position and the output is sorted on it.
    positions = ray.data.range(total).rename_columns({"id": ROW})
    scored = ray.data.read_parquet(input, columns=wanted).zip(positions).map_batches(
        ScoreActor, fn_constructor_kwargs={"columns": columns, "model": model, "policy": policy,
                                          "screen": screen, "omit": omit},
        batch_size=batch_size, batch_format="pyarrow", concurrency=actors, num_cpus=1)
    scored.sort(ROW).drop_columns([ROW]).write_parquet(output)

    bad = ray.data.read_parquet(input, columns=wanted, include_paths=True).map_batches(
        reject_table, fn_kwargs={"columns": columns}, batch_format="pyarrow").materialize()
    n_bad = bad.count()
    if n_bad and rejects:
        bad.write_json(rejects)
    return RaySummary(scored=total - n_bad, rejected=n_bad, seconds=time.monotonic() - started,
                      actors=actors if isinstance(actors, int) else actors[1],
                      rejects_path=rejects if n_bad else None)
