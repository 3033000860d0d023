"""``RayEngine``: the local engine's scorer in a Ray Data actor pool, for clusters.

The adapter is thin on purpose: :func:`score_table` and :func:`reject_table` are
plain Arrow-batch-in, Arrow-batch-out functions (tested without Ray), and
:class:`ScoreActor` only holds a scorer so each actor loads the ONNX model once.

Two passes read the input: one scores the valid rows into ``output`` (a
directory of Parquet files, in input order), the other (no model, cheap)
collects the rows that cannot be scored into ``rejects`` (JSONL files with the
input file path and the reason: a distributed read has no global line numbers,
so Ray runs need an id column).

Exactly once: Ray retries failed tasks itself, and a run that is killed leaves no
``output``: results are written beside it and moved into place only when complete
(local and shared file systems; a cloud path is overwritten as a whole instead). Rerun
a killed job to redo it; there is no ``--resume``.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from civility.batch.contract import Record, Rejected, leave_out
from civility.batch.engine import Job, JobError, ScoreFn, Summary, moderator_scorer
from civility.batch.readers import Columns, records_from_arrow
from civility.batch.writers import results_to_arrow
from civility.fileformats import FormatError

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


class RayEngine:
    """Ray Data on a cluster (``address``: ``auto``, ``ray://head:10001``) or a local Ray.

    Reuses an already initialised Ray; else joins ``address``; else starts a local one.
    Parquet in and out (files, directories or cloud paths).
    """

    name = "ray"
    worker_noun = "Ray actor"
    row_noun = "row"
    rejects_suffix = ".rejects"
    resumable = False

    def __init__(self, address: str | None = None) -> None:
        self.address = address

    def run(self, job: Job, *, progress: bool = False,
            on_reject: Callable[[Rejected], None] | None = None) -> Summary:
        """Score Parquet ``job.input`` into a directory of Parquet files at ``job.output``.

        ``on_reject`` is not called: rejected rows are known only at the end, in
        ``job.rejects`` (JSONL files naming each row's input file).
        """
        if job.resume:
            raise JobError("--resume is for --engine local; Ray retries failed tasks "
                           "itself, rerun the job to redo it")
        if job.input_format != "parquet" or job.output_format != "parquet":
            raise JobError("--engine ray reads and writes Parquet (files, directories "
                           "or cloud paths); convert with --engine local first")
        import ray
        import ray.data

        columns = job.columns
        started = time.monotonic()
        local_cores = os.cpu_count() or 1
        if not ray.is_initialized():
            if self.address:
                ray.init(address=self.address)
            else:
                # Twice the cores as logical CPUs: with one actor per core holding every CPU,
                # the read and write tasks would otherwise never be scheduled (a deadlock on
                # small boxes).
                ray.init(num_cpus=2 * local_cores, include_dashboard=False,
                         _node_ip_address="127.0.0.1")
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = progress
        # One actor per CPU of the cluster (or per core here). Not an autoscaling pool: one
        # starting from a single actor did not grow on a small job (thousands of comments),
        # leaving a two-node cluster half idle. Actors that hold every CPU would starve the
        # read tasks (a deadlock seen on a 2-CPU cluster), so the input is read, numbered and
        # cut into blocks first, in a run of its own, before any actor starts.
        if job.workers:
            actors = job.workers
        elif self.address:
            actors = max(1, int(ray.cluster_resources().get("CPU", 1)))
        else:
            actors = local_cores
        model = job.model or os.environ.get("CIVILITY_MODEL")

        source = ray.data.read_parquet(job.input)
        names = source.schema().names
        if columns.text not in names:
            raise FormatError(f"no {columns.text!r} column in {job.input} "
                              f"(columns: {', '.join(names)})")
        if columns.id not in names:
            raise FormatError(f"--engine ray needs an id column ({columns.id!r} is not in "
                              f"{job.input}): a distributed read has no global row numbers")
        wanted = [c for c in columns.names() if c in names]
        total = source.count()

        # An actor pool may hand batches back out of order even with preserve_order (Ray
        # makes no promise for actors), so every row carries its position and the output is
        # sorted on it.
        # Ray Data reads a small input (thousands of comments are a few MB) as one block, and
        # zip joins blocks; one block goes to one actor while the rest of the cluster idles.
        # Blocks of about a chunk, at most a few per actor, spread the work (and keep the final
        # sort's partitions few).
        blocks = max(1, min(-(-total // job.chunk_rows), 4 * actors))
        positions = ray.data.range(total).rename_columns({"id": ROW})
        rows = ray.data.read_parquet(job.input, columns=wanted).zip(positions)
        scored = rows.repartition(blocks).materialize().map_batches(
            ScoreActor, fn_constructor_kwargs={"columns": columns, "model": model,
                                              "policy": job.policy, "screen": job.screen,
                                              "omit": job.omit},
            batch_size=job.chunk_rows, batch_format="pyarrow", concurrency=actors, num_cpus=1)
        overwrite = ray.data.SaveMode.OVERWRITE
        with _complete_or_absent(job.output) as into:
            scored.sort(ROW).drop_columns([ROW]).write_parquet(into, mode=overwrite)

        bad = ray.data.read_parquet(job.input, columns=wanted, include_paths=True).map_batches(
            reject_table, fn_kwargs={"columns": columns}, batch_format="pyarrow").materialize()
        n_bad = bad.count()
        if job.rejects:
            with _complete_or_absent(job.rejects) as into:
                if n_bad:
                    bad.write_json(into, mode=overwrite)
        return Summary(scored=total - n_bad, rejected=n_bad, scored_now=total - n_bad,
                       seconds=time.monotonic() - started,
                       workers_used=actors,
                       rejects_path=job.rejects if n_bad else None)



@contextmanager
def _complete_or_absent(path: str) -> Iterator[str]:
    """A temporary directory beside ``path`` to write into, moved into place when complete.

    A killed run leaves no half-written ``path`` (nor a stale one from an earlier run) to be
    mistaken for a result. Cloud paths (``s3://``...) are written in place, overwritten.
    """
    if "://" in path:
        yield path
        return
    tmp = f"{path.rstrip('/')}.civility-tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.unlink(path)
    if os.path.exists(tmp):
        os.replace(tmp, path)
