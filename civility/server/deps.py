"""FastAPI dependencies shared by the API and the UI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from civility.server.batcher import ScoringService
from civility.server.errors import ApiError
from civility.server.security import Principal, require_scope
from civility.store import Store


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def get_db(request: Request) -> Iterator[Session]:
    """A database session for one request (closed afterwards; writes commit themselves)."""
    with request.app.state.store.session() as db:
        yield db


def get_scorer(request: Request) -> ScoringService:
    scorer = request.app.state.scorer
    if scorer is None:
        raise ApiError(503, "no model is loaded on this server; start it with --model or "
                            "CIVILITY_MODEL pointing at a model directory")
    return scorer  # type: ignore[no-any-return]


#: Annotated dependencies: ``def route(db: DB, who: Reader)``.
DB = Annotated[Session, Depends(get_db)]
Scorer = Annotated[ScoringService, Depends(get_scorer)]
Reader = Annotated[Principal, Depends(require_scope("read"))]
Submitter = Annotated[Principal, Depends(require_scope("score"))]
Moderating = Annotated[Principal, Depends(require_scope("moderate"))]
