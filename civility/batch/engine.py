"""The one seam between ``civility score`` and whatever runs it: a :class:`Job` in, a
:class:`Summary` out, through :meth:`Engine.run`.

A job says *what* to score (files, formats, columns, model, policy); an engine says *where*
(``LocalEngine``: worker processes on this machine; ``RayEngine(address=...)``: a Ray
cluster). Like an httpx transport, an engine is configured when it is made and then does one
thing, so the command line picks one by ``--engine`` and calls the same method either way,
and a new engine is one more class, not one more branch in the command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from civility.batch.contract import Record, Rejected, moderate_records
from civility.batch.readers import Columns

ScoreFn = Callable[[list[Record]], list[dict]]
#: (model, policy, onnxruntime threads, screen) -> a batch scorer; called once per worker.
ScorerFactory = Callable[[str | None, str | None, int | None, bool], ScoreFn]


class JobError(RuntimeError):
    """The job cannot run as asked (e.g. resume against a different input)."""


@dataclass(frozen=True, slots=True)
class Job:
    """What to score and how: the same for every engine."""

    input: str
    output: str
    input_format: str = "jsonl"
    output_format: str = "jsonl"
    columns: Columns = field(default_factory=Columns)
    rejects: str | None = None
    model: str | None = None
    policy: str | None = None
    #: Scorers at once (each loads the model): processes (local) or actors (Ray). None: one
    #: per core of the machine, or of the cluster.
    workers: int | None = None
    #: Rows per batch handed to a scorer.
    chunk_rows: int = 256
    #: Continue an interrupted run (engines that keep progress; the others refuse).
    resume: bool = False
    #: False sends every comment through the transformer (see civility.screen).
    screen: bool = True
    #: Output keys to leave out of every row ("text", "author"), for privacy.
    omit: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Summary:
    """What a run did, whichever engine ran it."""

    scored: int = 0
    rejected: int = 0
    #: Rows an interrupted run had done before this one resumed it.
    resumed_rows: int = 0
    #: Comments scored by this run, not by an interrupted one before it.
    scored_now: int = 0
    seconds: float = 0.0
    #: A resumed run found the output complete: nothing was done.
    already_complete: bool = False
    #: Scorers that ran: worker processes or Ray actors.
    workers_used: int = 1
    #: Where the rejected rows went (None when there were none, or nowhere to put them).
    rejects_path: str | None = None


class Engine(Protocol):
    """Runs a :class:`Job`; every engine keeps the file contract (``contract``)."""

    #: The ``--engine`` name.
    name: str
    #: What a scorer is called in messages ("worker", "Ray actor").
    worker_noun: str
    #: What a rejected row is called ("line" where the engine knows line numbers, else "row").
    row_noun: str
    #: Appended to the output's path for the default rejects file (or directory).
    rejects_suffix: str
    #: Whether a killed run can be continued with ``Job(resume=True)``.
    resumable: bool

    def run(self, job: Job, *, progress: bool = False,
            on_reject: Callable[[Rejected], None] | None = None) -> Summary:
        """Score ``job.input`` into ``job.output``: every valid row once, in input order.

        ``progress`` shows the engine's progress on stderr; ``on_reject`` hears of each row
        that cannot be scored, as it is found (where the engine can tell).
        """
        ...


def moderator_scorer(
    model: str | None, policy: str | None, threads: int | None, screen: bool = True
) -> ScoreFn:
    """The real scorer: one :class:`~civility.moderator.Moderator`, loaded once per worker."""
    from civility.moderator import Moderator

    moderator = Moderator(policy, model=model, threads=threads, screen=screen)
    return partial(moderate_records, moderator=moderator)


def make_engine(name: str, *, ray_address: str | None = None) -> Engine:
    """The engine ``--engine`` names ("local" or "ray")."""
    if name == "local":
        if ray_address:
            raise JobError("--ray-address needs --engine ray")
        from civility.batch.local import LocalEngine

        return LocalEngine()
    if name == "ray":
        from civility.batch.ray import RayEngine

        return RayEngine(address=ray_address)
    raise JobError(f"unknown engine {name!r}; choose local or ray")
