"""``LocalEngine``: score a file on this machine with worker processes, input order kept,
resumable after ``kill -9``.

The main process reads rows and writes results; ``workers`` processes each load
the model once and score chunks of rows. At most ``2 × workers`` chunks are in
flight, and results are written in submission order, so memory stays bounded
and the output keeps the input's order whatever the workers' speed.

Resuming: after every committed chunk a small progress file ``OUT.civility-progress``
records how many input rows are done and how far the output (and rejects) files
reach. It is replaced atomically and only after the data it describes is on disk,
so it never claims more than was written. ``--resume`` truncates the output to
that point and skips that many input rows: every row ends up in the output
exactly once, in order. The progress file is deleted when the run completes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, replace
from itertools import chain, islice
from typing import Any

from civility.batch.contract import Record, Rejected, leave_out
from civility.batch.engine import Job, JobError, ScoreFn, ScorerFactory, Summary, moderator_scorer
from civility.batch.readers import open_reader
from civility.batch.writers import RejectsSink, open_sink

PROGRESS_SUFFIX = ".civility-progress"
_PROGRESS_VERSION = 1


def progress_path(job: Job) -> str | None:
    """Only file-to-file runs can be resumed, so only they keep a progress file."""
    return None if "-" in (job.input, job.output) else job.output + PROGRESS_SUFFIX


def fingerprint(job: Job) -> dict[str, Any]:
    """What must not change between a run and its resumption (workers and chunk size may)."""
    stat = os.stat(job.input)
    return {"input": os.path.abspath(job.input), "input_size": stat.st_size,
            "input_mtime_ns": stat.st_mtime_ns, "input_format": job.input_format,
            "output_format": job.output_format, "columns": asdict(job.columns),
            "rejects": os.path.abspath(job.rejects) if job.rejects else None,
            "model": job.model, "policy": job.policy, "screen": job.screen}


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


#: onnxruntime threads per worker process. With the screen, a good share of each
#: comment's time is Python (rules, policy), which only more processes spread over the
#: cores: on 2 cores, 2 single-threaded processes scored 994 comments/s at 395 MB peak,
#: 1 process with 2 threads 683/s at 172 MB (benchmarks/throughput.py).
THREADS_PER_WORKER = 1


def default_workers() -> int:
    """Enough processes that, with their model threads, every core is busy."""
    return max(1, available_cores() // THREADS_PER_WORKER)


def worker_threads(workers: int) -> int:
    """Model threads per worker so that ``workers`` processes share all cores."""
    return max(1, available_cores() // max(1, workers))


class LocalEngine:
    """Worker processes on this machine; any format, resumable (see the module docstring).

    ``scorer_factory`` makes each worker's scorer (tests pass a stand-in for the model);
    ``durable`` False skips fsync, for throwaway output.
    """

    name = "local"
    worker_noun = "worker"
    row_noun = "line"
    rejects_suffix = ".rejects.jsonl"
    resumable = True

    def __init__(self, *, scorer_factory: ScorerFactory = moderator_scorer,
                 durable: bool = True) -> None:
        self._factory, self._durable = scorer_factory, durable

    def run(self, job: Job, *, progress: bool = False,
            on_reject: Callable[[Rejected], None] | None = None) -> Summary:
        """Score ``job.input`` into ``job.output``; see the module docstring for the guarantees."""
        for path in (job.input, job.output):
            if path != "-" and os.path.isdir(path):
                raise JobError(f"{path} is a directory; --engine local reads and writes files")
        if job.input != "-" and not os.path.exists(job.input):
            raise JobError(f"no such file: {job.input}")
        if job.workers is None:
            job = replace(job, workers=default_workers())
        return _run(job, progress, on_reject, self._factory, self._durable)


def _run(job: Job, progress: bool, on_reject: Callable[[Rejected], None] | None,
         scorer_factory: ScorerFactory, durable: bool) -> Summary:
    started = time.monotonic()
    workers = job.workers or 1
    checkpoint = _prepare(job)
    if checkpoint == "complete":
        return Summary(already_complete=True)
    resumed_rows, resumed_scored = checkpoint["rows_done"], checkpoint["scored"]
    reader = open_reader(job.input, job.input_format, job.columns, skip=checkpoint["rows_done"])
    saved = progress_path(job)
    if saved:  # before the output exists, so a kill at any point can be resumed
        _save(saved, checkpoint, durable)
    sink = open_sink(job.output, job.output_format, state=checkpoint["output"], durable=durable)
    rejects = RejectsSink(job.rejects, state=checkpoint["rejects"], durable=durable)
    bar = _ProgressBar(progress, reader.unit, reader.total, reader.position, resumed_rows)

    def commit(chunk: list[Record | Rejected], results: list[dict]) -> None:
        bad = [item for item in chunk if isinstance(item, Rejected)]
        sink.write([leave_out(r, job.omit) for r in results] if job.omit else results)
        rejects.write(bad)
        if on_reject:
            for item in bad:
                on_reject(item)
        checkpoint["rows_done"] += len(chunk)
        checkpoint["scored"] += len(results)
        checkpoint["rejected"] += len(bad)
        if sink.ready():
            _commit(job, checkpoint, sink, rejects, durable)
        bar.update(checkpoint["rows_done"], reader.position)

    chunks = _chunks(reader, job.chunk_rows)
    head = list(islice(chunks, 2))
    # One chunk is not worth starting processes for; nor is a single worker.
    pooled = workers > 1 and len(head) > 1
    try:
        if pooled:
            _run_pool(job, workers, chain(head, chunks), commit, scorer_factory)
        else:
            score = scorer_factory(job.model, job.policy, None, job.screen) if head else None
            for chunk in chain(head, chunks):
                records = [item for item in chunk if isinstance(item, Record)]
                commit(chunk, score(records) if records and score else [])
        _commit(job, checkpoint, sink, rejects, durable)
        sink.finish()
        rejects.finish()
        if saved and os.path.exists(saved):
            os.unlink(saved)  # the run is complete: nothing left to resume
        sink.cleanup()
    finally:
        bar.close()
        reader.close()
    return Summary(scored=checkpoint["scored"], rejected=checkpoint["rejected"],
                   resumed_rows=resumed_rows, scored_now=checkpoint["scored"] - resumed_scored,
                   seconds=time.monotonic() - started, workers_used=workers if pooled else 1,
                   rejects_path=job.rejects if checkpoint["rejected"] else None)


def _prepare(job: Job) -> dict[str, Any] | str:
    """The checkpoint to start from: a fresh one, the one on disk, or "complete"."""
    fresh: dict[str, Any] = {"version": _PROGRESS_VERSION, "rows_done": 0, "scored": 0,
                             "rejected": 0, "output": None, "rejects": None}
    if job.input != "-":
        fresh["job"] = fingerprint(job)
    if not job.resume:
        return fresh
    if job.input == "-" or job.output == "-":
        raise JobError("--resume needs an input file and an output file (not stdin/stdout)")
    saved_at = progress_path(job)
    assert saved_at is not None
    try:
        with open(saved_at, encoding="utf-8") as f:
            saved = json.load(f)
    except FileNotFoundError:
        # A finished run deletes its progress file; no output at all means nothing started.
        return "complete" if os.path.exists(job.output) else fresh
    except (OSError, json.JSONDecodeError) as err:
        raise JobError(f"cannot read {saved_at}: {err}") from err
    if saved.get("version") != _PROGRESS_VERSION:
        raise JobError(f"{saved_at} was written by another version of civility")
    changed = [k for k, v in fresh["job"].items() if saved["job"].get(k) != v]
    if changed:
        raise JobError(f"cannot resume: {', '.join(changed)} changed since the interrupted run "
                       f"(see {saved_at}); rerun without --resume to start over")
    offset = (saved.get("output") or {}).get("bytes", 0)
    if offset and (not os.path.exists(job.output) or os.path.getsize(job.output) < offset):
        raise JobError(f"cannot resume: {job.output} is shorter than {saved_at} says; "
                       f"rerun without --resume to start over")
    return saved


def _commit(job: Job, checkpoint: dict[str, Any], sink: Any, rejects: RejectsSink,
            durable: bool) -> None:
    """Make written rows durable, then record them; never the other way round."""
    checkpoint["output"] = sink.commit()
    checkpoint["rejects"] = rejects.commit()
    saved_at = progress_path(job)
    if saved_at:
        _save(saved_at, checkpoint, durable)


def _save(path: str, checkpoint: dict[str, Any], durable: bool) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(checkpoint, f)
        f.flush()
        if durable:
            os.fsync(f.fileno())
    os.replace(tmp, path)


def _chunks(items: Iterable[Record | Rejected], size: int) -> Iterator[list[Record | Rejected]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


# --------------------------------------------------------------------------- worker processes

_worker_score: ScoreFn | None = None


def _init_worker(factory: ScorerFactory, model: str | None, policy: str | None,
                 threads: int, screen: bool) -> None:
    global _worker_score
    _exit_with_parent()
    _worker_score = factory(model, policy, threads, screen)


def _exit_with_parent() -> None:
    """After ``kill -9`` of the main process its workers would score on, orphaned; stop them."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="civility-parent-watch", daemon=True).start()


def _score_in_worker(records: list[Record]) -> list[dict]:
    assert _worker_score is not None, "worker not initialised"
    return _worker_score(records)


def _run_pool(job: Job, workers: int, chunks: Iterable[list[Record | Rejected]],
              commit: Callable[[list[Record | Rejected], list[dict]], None],
              factory: ScorerFactory) -> None:
    # spawn, not fork: onnxruntime's thread pools do not survive a fork safely.
    context = multiprocessing.get_context("spawn")
    pending: deque[tuple[list[Record | Rejected], Future[list[dict]] | None]] = deque()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                             initargs=(factory, job.model, job.policy,
                                       worker_threads(workers), job.screen)) as pool:
        try:
            for chunk in chunks:
                records = [item for item in chunk if isinstance(item, Record)]
                pending.append((chunk, pool.submit(_score_in_worker, records) if records else None))
                while len(pending) >= 2 * workers:
                    done, future = pending.popleft()
                    commit(done, future.result() if future else [])
            while pending:
                done, future = pending.popleft()
                commit(done, future.result() if future else [])
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


# --------------------------------------------------------------------------- progress


class _ProgressBar:
    """Rate and ETA on stderr when it is a terminal; silent otherwise."""

    def __init__(self, enabled: bool, unit: str, total: int | None, position: int,
                 rows: int) -> None:
        self._progress = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._start_rows, self._start = rows, time.monotonic()
        self._progress = Progress(
            TextColumn("scoring"), BarColumn(), TaskProgressColumn(),
            TextColumn("{task.fields[rows]:,} rows"), TextColumn("{task.fields[rate]:,.0f} rows/s"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(file=sys.stderr), transient=False)
        self._task = self._progress.add_task("score", total=total, completed=position, rows=rows,
                                             rate=0.0)
        self._progress.start()

    def update(self, rows: int, position: int) -> None:
        if self._progress is None:
            return
        elapsed = max(time.monotonic() - self._start, 1e-6)
        self._progress.update(self._task, completed=position, rows=rows,
                              rate=(rows - self._start_rows) / elapsed)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
