"""Scoring inside the server: the Moderator runs in its own thread, fed by a micro-batcher.

One-comment requests arrive concurrently; scoring them one by one wastes the model's batch
efficiency and makes requests contend for the same cores. The batcher collects whatever
arrives within ``window_ms`` (or while the previous batch is running) up to ``max_batch``
comments, scores them in one call per article context, and hands each request its verdicts.
With ``window_ms=0`` it degrades to plain per-request scoring in a thread pool (the
benchmark's baseline).

Requests share batches, never failures: when a batch raises, its comments are scored again
one by one, and only the request whose comment fails gets an error (a JSON 500 that keeps
the connection). A stored comment whose scoring failed, or whose request died, stays
``pending``; :class:`PendingSweep` scores it again a bounded number of times, then marks it
``failed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool

from civility.records import Comment, Verdict
from civility.server.errors import ApiError
from civility.server.metrics import Metrics
from civility.store import Store
from civility.store import queries as q

log = logging.getLogger("civility.server")


@dataclass(slots=True)
class _Job:
    comments: list[Comment]
    article: str | None
    future: asyncio.Future[list[Verdict]]
    store_ids: list[int] | None = None
    site_id: int | None = None


#: Saves (comment id, verdict) pairs decided under the named policy; called once per batch
#: and policy from the scoring thread.
#: It returns the verdicts as saved, when saving changed them (a site's rules about
#: commenters and words, see civility.authors), so each request answers what was stored.
Persist = Callable[[list[tuple[int, Verdict]], str], Sequence[tuple[int, Verdict]] | None]
#: The policy a site's comments are decided under; None: the moderator's own.
PolicyFor = Callable[[int], Any]
#: Records (comment id, error) for stored comments whose scoring failed.
RecordFailures = Callable[[list[tuple[int, str]]], None]


class ScoringFailed(ApiError):
    """The model raised on one of this request's comments (others in its batch were scored)."""

    def __init__(self, index: int, err: BaseException, *, stored: bool) -> None:
        then = ("; the comment is stored and will be scored again" if stored else "")
        super().__init__(500, f"internal error while scoring input {index} (logged on the "
                              f"server){then}")
        self.index = index


class ScoringService:
    def __init__(self, moderator: Any, *, window_ms: float = 2.0, max_batch: int = 64,
                 metrics: Metrics | None = None, persist: Persist | None = None,
                 record_failures: RecordFailures | None = None,
                 policy_for: PolicyFor | None = None) -> None:
        self.moderator = moderator
        self.policy_for = policy_for
        self.persist = persist
        self.record_failures = record_failures
        self.window = max(0.0, window_ms) / 1000
        self.max_batch = max(1, max_batch)
        self.batched = self.window > 0 and self.max_batch > 1
        self.metrics = metrics
        self._queue: asyncio.Queue[_Job] | None = None
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        #: Stored comment id -> the future of the job scoring it (see :meth:`settled`).
        self._inflight: dict[int, asyncio.Future[list[Verdict]]] = {}

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
        await _cancel(self._task)
        self._task = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    async def moderate(self, comments: Sequence[Comment], article: str | None = None, *,
                       store_ids: Sequence[int] | None = None,
                       site_id: int | None = None) -> list[Verdict]:
        """Verdicts for ``comments`` (in order), scored with whatever else is waiting, and
        decided under ``site_id``'s policy (see ``civility policy apply``) if it has one.

        With ``store_ids`` (the stored comments' ids, same order) the verdicts are also saved,
        in one transaction per batch, before this returns. Raises :class:`ScoringFailed` when
        the model fails on one of ``comments``; other requests are unaffected.
        """
        if not comments:
            return []
        loop = asyncio.get_running_loop()
        ids = list(store_ids) if store_ids is not None else None
        job = _Job(list(comments), article, loop.create_future(), ids, site_id)
        self._track(job)
        if self._task is None or self._queue is None:
            outcome = (await run_in_threadpool(self._process, [job]))[0]
            _settle(job.future, outcome)
        else:
            self._queue.put_nowait(job)
            if self.metrics:
                self.metrics.queue_depth.set(self._queue.qsize())
        return await job.future

    async def settled(self, store_ids: Iterable[int]) -> None:
        """Wait until any scoring of these stored comments now under way has finished (or
        failed), so a duplicate submission answers with the first copy's result."""
        futures = {self._inflight[i] for i in store_ids if i in self._inflight}
        if futures:
            await asyncio.wait(futures)

    def _track(self, job: _Job) -> None:
        if not job.store_ids:
            return
        for cid in job.store_ids:
            self._inflight[cid] = job.future

        def forget(future: asyncio.Future[list[Verdict]]) -> None:
            for cid in job.store_ids or ():
                if self._inflight.get(cid) is future:
                    del self._inflight[cid]

        job.future.add_done_callback(forget)

    def _policy(self, site_id: int | None) -> Any:
        """The site's own policy, or None for the moderator's; a site whose policy cannot be
        read is decided under the server's (logged), never left unscored."""
        if site_id is None or self.policy_for is None:
            return None
        try:
            return self.policy_for(site_id)
        except Exception:
            log.exception("could not read the policy of site %s; using the server's", site_id)
            return None

    def _score(self, comments: list[Comment], article: str | None,
               policy: Any = None) -> list[Verdict]:
        start = time.perf_counter()
        verdicts = (self.moderator.moderate(comments, article=article, policy=policy)
                    if policy is not None else self.moderator.moderate(comments, article=article))
        if self.metrics:
            self.metrics.batch_size.observe(len(comments))
            self.metrics.score_seconds.observe(time.perf_counter() - start)
            for v in verdicts:
                self.metrics.comments.labels(v.decision).inc()
        return verdicts

    def _score_each(self, comments: list[Comment], article: str | None, policy: Any = None
                    ) -> list[Verdict | BaseException]:
        """The batch's verdicts; if the batch raises, each comment alone, so that one bad
        comment costs only itself."""
        try:
            return list(self._score(comments, article, policy))
        except Exception as err:
            if len(comments) == 1:
                return [err]
        out: list[Verdict | BaseException] = []
        for c in comments:
            try:
                out.append(self._score([c], article, policy)[0])
            except Exception as err:
                out.append(err)
        return out

    def _process(self, jobs: list[_Job]) -> list[list[Verdict] | BaseException]:
        """Score jobs grouped by article (the article is context for off-topic scoring) and
        site policy, save every verdict that asked to be saved in one transaction per policy,
        and return each job's outcome: its verdicts, or the error of its first comment that
        failed."""
        policies = {site: self._policy(site) for site in {job.site_id for job in jobs}}
        groups: dict[tuple[str | None, int], list[int]] = defaultdict(list)
        for n, job in enumerate(jobs):
            groups[(job.article, id(policies[job.site_id]))].append(n)
        results: list[list[Verdict | BaseException]] = [[] for _ in jobs]
        for (article, _), members in groups.items():
            policy = policies[jobs[members[0]].site_id]
            scored = self._score_each([c for n in members for c in jobs[n].comments], article,
                                      policy)
            i = 0
            for n in members:
                k = len(jobs[n].comments)
                results[n] = scored[i:i + k]
                i += k
        outcomes: list[list[Verdict] | BaseException] = []
        pairs: dict[str, list[tuple[int, Verdict]]] = defaultdict(list)
        failures: list[tuple[int, str]] = []
        for job, result in zip(jobs, results, strict=True):
            bad = [(i, r) for i, r in enumerate(result) if isinstance(r, BaseException)]
            for i, err in bad:
                log.error("scoring failed for input %d of a request", i, exc_info=err)
            if job.store_ids is not None:  # a failed request's other comments are saved too
                policy = policies[job.site_id]
                name = str(policy.name) if policy is not None else self.policy_name
                pairs[name] += [(cid, r) for cid, r in zip(job.store_ids, result, strict=True)
                                if isinstance(r, Verdict)]
                failures += [(job.store_ids[i], f"{type(err).__name__}: {err}")
                             for i, err in bad]
            stored = job.store_ids is not None
            outcomes.append(ScoringFailed(*bad[0], stored=stored) if bad
                            else [r for r in result if isinstance(r, Verdict)])
        if failures and self.record_failures is not None:
            try:
                self.record_failures(failures)
            except Exception:
                log.exception("could not record %d scoring failures", len(failures))
        as_saved: dict[int, Verdict] = {}
        for name, saved in pairs.items():
            if not saved or self.persist is None:
                continue
            try:
                as_saved.update(self.persist(saved, name) or ())
            except Exception as err:
                log.exception("could not save %d verdicts", len(saved))
                ids = {cid for cid, _ in saved}
                outcomes = [err if job.store_ids and ids.intersection(job.store_ids) else o
                            for job, o in zip(jobs, outcomes, strict=True)]
        if as_saved:
            outcomes = [[as_saved.get(cid, v) for cid, v in zip(job.store_ids, o, strict=True)]
                        if job.store_ids and not isinstance(o, BaseException) else o
                        for job, o in zip(jobs, outcomes, strict=True)]
        return outcomes

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
            try:
                outcomes = await loop.run_in_executor(self._executor, self._process, jobs)
            except Exception as err:  # a bug in the batcher itself: fail these, keep serving
                log.exception("scoring batch failed")
                outcomes = [err] * len(jobs)
            for job, outcome in zip(jobs, outcomes, strict=True):
                _settle(job.future, outcome)


async def _cancel(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task, if any, and wait for it to end."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _settle(future: asyncio.Future[list[Verdict]],
            outcome: list[Verdict] | BaseException) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


class SitePolicies:
    """Each site's applied policy (``civility policy apply``), read from the database at most
    once every ``ttl_s`` per site, so every server process follows an apply made anywhere
    (the CLI, another machine) within that time, without a restart. None: the site has none.
    """

    def __init__(self, store: Store, ttl_s: float = 1.0) -> None:
        self.store = store
        self.ttl_s = max(0.0, ttl_s)
        #: site id -> (when read, version id, policy)
        self._cache: dict[int, tuple[float, int | None, Any]] = {}

    def __call__(self, site_id: int) -> Any:
        from civility.store.policies import current_site_policy

        now = time.monotonic()
        hit = self._cache.get(site_id)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[2]
        with self.store.session() as db:
            info = current_site_policy(db, site_id)
        version = info.id if info is not None else None
        if hit is not None and hit[1] == version:
            policy = hit[2]
        else:
            policy = info.policy() if info is not None else None
        self._cache[site_id] = (now, version, policy)
        return policy


class PendingSweep:
    """Scores comments left ``pending`` without waiting for a restart.

    A comment stays pending when its request died (crash, restart, dropped connection) or
    its scoring failed. Every ``retry_s`` the sweep claims those whose latest attempt began
    more than ``retry_s`` ago (so it never races a request still scoring its own comment),
    scores them, and after ``max_attempts`` attempts marks the rest ``failed`` with the
    error, for a moderator to decide, instead of retrying forever. Its first pass, at
    startup, takes everything claimed before this process started.
    """

    def __init__(self, store: Store, scorer: ScoringService, *, retry_s: float = 30.0,
                 max_attempts: int = 5, notify: Callable[[], None] = lambda: None) -> None:
        self.store, self.scorer, self.notify = store, scorer, notify
        self.retry_s = max(0.01, retry_s)
        self.max_attempts = max(1, max_attempts)
        self._started = datetime.now(UTC)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._started = datetime.now(UTC)
        self._task = asyncio.create_task(self._loop(), name="civility-pending-sweep")

    async def stop(self) -> None:
        await _cancel(self._task)
        self._task = None

    async def _loop(self) -> None:
        first = True
        while True:
            try:
                await self.run_once(startup=first)
                first = False
            except Exception:  # a DB hiccup must not end the sweep
                log.exception("pending sweep failed")
            await asyncio.sleep(self.retry_s)

    async def run_once(self, *, startup: bool = False) -> int:
        """Claim, score and save every stale pending comment; give up on exhausted ones.
        Returns how many comments were scored."""
        stale = datetime.now(UTC) - timedelta(seconds=self.retry_s)
        if startup:
            stale = max(stale, self._started)
        scored = 0
        while True:
            claimed = await run_in_threadpool(self._claim, stale)
            if not claimed:
                break
            by_article: dict[str | None, list[q.PendingComment]] = defaultdict(list)
            for p in claimed:
                by_article[p.article_text].append(p)
            outcomes = await asyncio.gather(
                *(self.scorer.moderate([Comment(p.external_id, p.text, p.author)],
                                       article=article, store_ids=[p.id], site_id=p.site_id)
                  for article, items in by_article.items() for p in items),
                return_exceptions=True)
            scored += sum(not isinstance(o, BaseException) for o in outcomes)
            self.notify()
        failed = await run_in_threadpool(self._give_up, stale)
        if scored or failed:
            log.info("pending sweep: scored %d comments left pending, gave up on %d",
                     scored, len(failed))
        return scored

    def _claim(self, stale: datetime) -> list[q.PendingComment]:
        with self.store.writing() as db:
            return q.claim_pending(db, stale_before=stale, max_attempts=self.max_attempts)

    def _give_up(self, stale: datetime) -> list[int]:
        with self.store.writing() as db:
            return q.give_up_pending(db, stale_before=stale, max_attempts=self.max_attempts)
