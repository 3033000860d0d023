"""Opening the store for a command line: the one place that says which database a command
uses, refuses to create one by accident and turns driver errors into plain CLI errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

_DB_HELP = ("Database URL or SQLite path (default: $CIVILITY_DB, else "
            "~/.local/share/civility/civility.db). PostgreSQL: postgresql://user:pass@host/db")
_CREATE_HELP = "Create the database if there is none yet (as 'civility db init' does)."


def _store(db: str | None, *, create: bool = False):  # type: ignore[no-untyped-def]
    """The store at ``db`` (or the default), migrated; a missing database is an error unless
    ``create``. Says on stderr which database it is."""
    from civility.store import DatabaseError, Store, default_url, display_url, is_initialised

    url = db or default_url()
    try:
        shown = display_url(url)
        if not create and not is_initialised(url):
            raise click.ClickException(
                f"no Civility database at {shown}. Create it with 'civility db init' (or add "
                "--create), or point --db / CIVILITY_DB at the database 'civility serve' uses."
            )
        store = Store(url)
    except DatabaseError as err:
        raise click.ClickException(str(err)) from err
    except (click.ClickException, ImportError):
        raise  # ImportError: a missing driver, which the CLI names the extra for
    except Exception as err:  # driver errors: unreachable server, bad password, ...
        raise click.ClickException(f"cannot open the database: {err}") from err
    click.echo(f"database: {shown} ({store.backend})", err=True)
    return store


@contextmanager
def _accounts(db: str | None, *, create: bool = False) -> Iterator[Any]:
    """A session on the store in which an account error becomes a plain CLI error."""
    from civility.store.accounts import AccountError

    store = _store(db, create=create)
    with store.session() as session:
        try:
            yield session
        except AccountError as err:
            raise click.ClickException(str(err)) from err

