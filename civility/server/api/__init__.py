"""The native JSON API under ``/api/v1``: submit comments, read them, work the queue, decide
(:mod:`.comments`); articles, thread reports, statistics and the audit log (:mod:`.reports`).
Every body in and out is a pydantic model (:mod:`.models`), so ``/openapi.json`` documents
each response; errors are :class:`civility.server.errors.ErrorResponse`.

Scoring endpoints are ``async`` (they await the batcher); everything that only touches the
database is a plain ``def`` that FastAPI runs in its thread pool.
"""

from __future__ import annotations

from fastapi import APIRouter

from civility.server.api import comments, reports
from civility.server.errors import ERRORS

router = APIRouter(responses=ERRORS)
router.include_router(comments.router)
router.include_router(reports.router)

__all__ = ["router"]
