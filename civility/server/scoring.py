"""Scoring inside the server: the Moderator runs in its own thread, fed by a micro-batcher.

One-comment requests arrive concurrently; scoring them one by one wastes the model's batch
efficiency and makes requests contend for the same cores. The batcher collects whatever
arrives within ``window_ms`` (or while the previous batch is running) up to ``max_batch``
comments, scores them in one call per article context, and hands each request its verdicts.
With ``window_ms=0`` it degrades to plain per-request scoring in a thread pool (the
benchmark's baseline).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from civility.server.metrics import Metrics
from civility.types import Comment, Verdict


@dataclass(slots=True)
class _Job:
    comments: list[Comment]
    article: str | None
    future: asyncio.Future[list[Verdict]]
    store_ids: list[int] | None = None


#: Saves (comment id, verdict) pairs; called once per batch from the scoring thread.
Persist = Callable[[list[tuple[int, Verdict]]], None]


class ScoringService:
    def __init__(self, moderator: Any, *, window_ms: float = 2.0, max_batch: int = 64,
                 metrics: Metrics | None = None, persist: Persist | None = None) -> None:
        self.moderator = moderator
        self.persist = persist
        self.window = max(0.0, window_ms) / 1000
        self.max_batch = max(1, max_batch)
        self.batched = self.window > 0 and self.max_batch > 1
        self.metrics = metrics
        self._queue: asyncio.Queue[_Job] | None = None
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None

    @property
    def version(self) -> str:
        return str(getattr(self.moderator, "version", ""))

    @property
    def policy_name(self) -> str:
        policy = getattr(self.moderator, "policy", None)
        return str(getattr(policy, "name", ""))

    async def start(self) -> None:
        if self.batched and self._task is None:
            self._queue = asyncio.Queue()
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="civility-score")
            self._task = asyncio.create_task(self._collect(), name="civility-batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    async def moderate(self, comments: Sequence[Comment], article: str | None = None, *,
                       store_ids: Sequence[int] | None = None) -> list[Verdict]:
        """Verdicts for ``comments`` (in order), scored with whatever else is waiting.

        With ``store_ids`` (the stored comments' ids, same order) the verdicts are also saved,
        in one transaction per batch, before this returns.
        """
        if not comments:
            return []
        ids = list(store_ids) if store_ids is not None else None
        if self._task is None or self._queue is None:
            return await run_in_threadpool(self._score_and_store, list(comments), article, ids)
        future: asyncio.Future[list[Verdict]] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(list(comments), article, future, ids))
        if self.metrics:
            self.metrics.queue_depth.set(self._queue.qsize())
        return await future

    def _score_and_store(self, comments: list[Comment], article: str | None,
                         ids: list[int] | None) -> list[Verdict]:
        verdicts = self._score(comments, article)
        if ids is not None and self.persist is not None:
            self.persist(list(zip(ids, verdicts, strict=True)))
        return verdicts

    def _score(self, comments: list[Comment], article: str | None) -> list[Verdict]:
        start = time.perf_counter()
        verdicts = self.moderator.moderate(comments, article=article)
        if self.metrics:
            self.metrics.batch_size.observe(len(comments))
            self.metrics.score_seconds.observe(time.perf_counter() - start)
            for v in verdicts:
                self.metrics.comments.labels(v.decision).inc()
        return verdicts

    async def _collect(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self._queue.get()]
            size = len(jobs[0].comments)
            deadline = loop.time() + self.window
            while size < self.max_batch:
                try:
                    job = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    try:
                        job = await asyncio.wait_for(self._queue.get(), remaining)
                    except TimeoutError:
                        break
                jobs.append(job)
                size += len(job.comments)
            if self.metrics:
                self.metrics.queue_depth.set(self._queue.qsize())
            await loop.run_in_executor(self._executor, self._run, jobs, loop)

    def _run(self, jobs: list[_Job], loop: asyncio.AbstractEventLoop) -> None:
        """Score jobs grouped by article (the article is context for off-topic scoring), save
        every verdict that asked to be saved in one transaction, then wake the requests."""
        groups: dict[str | None, list[_Job]] = defaultdict(list)
        for job in jobs:
            groups[job.article].append(job)
        done: list[tuple[_Job, list[Verdict]]] = []
        for article, group in groups.items():
            comments = [c for job in group for c in job.comments]
            try:
                verdicts = self._score(comments, article)
            except Exception as err:  # handed to each waiting request
                for job in group:
                    loop.call_soon_threadsafe(_set_exception, job.future, err)
                continue
            i = 0
            for job in group:
                n = len(job.comments)
                done.append((job, verdicts[i:i + n]))
                i += n
        pairs = [(cid, v) for job, vs in done if job.store_ids is not None
                 for cid, v in zip(job.store_ids, vs, strict=True)]
        if pairs and self.persist is not None:
            try:
                self.persist(pairs)
            except Exception as err:
                for job, _ in done:
                    if job.store_ids is not None:
                        loop.call_soon_threadsafe(_set_exception, job.future, err)
                done = [(job, vs) for job, vs in done if job.store_ids is None]
        for job, vs in done:
            loop.call_soon_threadsafe(_set_result, job.future, vs)


def _set_result(future: asyncio.Future[list[Verdict]], value: list[Verdict]) -> None:
    if not future.done():
        future.set_result(value)


def _set_exception(future: asyncio.Future[list[Verdict]], err: BaseException) -> None:
    if not future.done():
        future.set_exception(err)
