"""``civility serve``, ``import``, ``user``, ``apikey``, ``site`` and ``db``.

Every command takes ``--db`` (default: ``$CIVILITY_DB``, else the per-user file
``$XDG_DATA_HOME/civility/civility.db``, i.e. ``~/.local/share/civility/civility.db``), says
on stderr which database it used, and migrates it first. Only ``serve``, ``db init`` and a
command given ``--create`` make a new database: an admin command pointed at the wrong place
fails with the place named, instead of filling a fresh empty database nobody serves.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from civility.server.cli_policy import calibrate_cmd as calibrate_cmd
from civility.server.cli_policy import policy_apply as policy_apply
from civility.server.cli_policy import policy_show_site as policy_show_site
from civility.server.cli_store import _CREATE_HELP, _DB_HELP, _accounts, _store
from civility.wording import plural


@click.command("serve")
@click.option("--db", help=_DB_HELP)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--model", type=click.Path(file_okay=False), help="Model directory.")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False), help="Policy TOML.")
@click.option("--workers", default=1, show_default=True,
              help="Server processes (each loads the model; rate limits are per process).")
@click.option("--batch-window-ms", default=2.0, show_default=True,
              help="Micro-batching window; 0 scores each request on its own.")
@click.option("--screen/--no-screen", default=True, show_default=True,
              help="Let the cheap first pass spare the transformer benign comments "
                   "(--no-screen: the transformer reads everything).")
@click.option("--log-level", default="info", show_default=True)
def serve_cmd(db: str | None, host: str, port: int, model: str | None, policy: str | None,
              workers: int, batch_window_ms: float, screen: bool, log_level: str) -> None:
    """Serve the API and the moderator UI.

    \b
    The database is created and migrated on first run. Then:
      civility user add alice --role admin     # a moderator for the UI
      civility apikey create my-site           # a key for the API (printed once)
      civility import page.txt                 # load a page's comments
    Example:
      civility serve --port 8000
      civility serve --db postgresql://civility@localhost/civility --host 0.0.0.0
    """
    import os

    import uvicorn

    from civility.server.app import create_app
    from civility.server.settings import Settings, SettingsError

    try:  # refuse a mistyped CIVILITY_* variable before anything starts
        settings = Settings.from_env(db_url=db, model=model, policy=policy,
                                     batch_window_ms=batch_window_ms, screen=screen)
    except SettingsError as err:
        click.echo(f"civility serve: {err}", err=True)
        raise click.exceptions.Exit(2) from None
    if model:
        from civility.model import model_dir

        try:
            model_dir(model)
        except FileNotFoundError as err:
            raise click.ClickException(str(err)) from err
    store = _store(db, create=True)  # create or migrate now: fail fast with a clear message
    store.close()
    if db:
        os.environ["CIVILITY_DB"] = db
    if model:
        os.environ["CIVILITY_MODEL"] = model
    if policy:
        os.environ["CIVILITY_POLICY"] = policy
    os.environ["CIVILITY_BATCH_WINDOW_MS"] = str(batch_window_ms)
    os.environ["CIVILITY_SCREEN"] = "1" if screen else "0"
    click.echo(f"civility: serving http://{host}:{port} (API docs at /docs)", err=True)
    if workers > 1:
        uvicorn.run("civility.server.app:create_app", factory=True, host=host, port=port,
                    workers=workers, log_level=log_level, proxy_headers=False)
        return
    app = create_app(settings)
    if app.state.scorer is None:
        raise click.ClickException("no model found: pass --model DIR or set CIVILITY_MODEL")
    # Forwarded headers are the app's job (CIVILITY_TRUSTED_PROXIES), not uvicorn's.
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "article"


@click.command("import")
@click.argument("page", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--db", help=_DB_HELP)
@click.option("--article-id", help="Article id (default: from the title or file name).")
@click.option("--site", default="default", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "html", "json"]),
              help="Page format (default: detected).")
@click.option("--model", type=click.Path(file_okay=False), help="Model directory.")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False), help="Policy TOML.")
@click.option("--no-score", is_flag=True, help="Store only; the server scores on start.")
@click.option("--create", is_flag=True, help=_CREATE_HELP)
def import_cmd(page: str, db: str | None, article_id: str | None, site: str, fmt: str | None,
               model: str | None, policy: str | None, no_score: bool, create: bool) -> None:
    """Load a news PAGE (text, HTML or JSON) into the database: the article and its comments,
    scored and decided, so they show up in the review queue.

    \b
    Importing the same page again is a no-op (comment ids are stable).
    Example:
      civility import examples/news-page-with-comments.html
    """
    from civility.read import PageError, read_page
    from civility.store import queries as q

    try:
        parsed = read_page(sys.stdin.buffer.read() if page == "-" else Path(page), format=fmt)
    except PageError as err:
        raise click.ClickException(str(err)) from err
    article = article_id or _slug(parsed.title or Path(page).stem)
    store = _store(db, create=create)
    with store.session() as session:
        site_row = q.get_site(session, site, create=True)
        site_id = site_row.id
        aid = q.upsert_article(session, site_id, article,
                               title=parsed.title or _first_sentence(parsed.article),
                               text=parsed.article or None)
        accepted = q.accept_comments(session, site_id, [
            q.NewComment(f"{article}:{c.id}", c.text, c.author) for c in parsed.comments], aid)
    fresh = [(a, c) for a, c in zip(accepted, parsed.comments, strict=True)
             if a.status == "pending"]
    click.echo(f"article {article!r}: {plural(len(accepted), 'comment')} "
               f"({sum(a.created for a in accepted)} new)", err=True)
    if fresh and not no_score:
        from civility.moderator import Moderator
        from civility.policy import PolicyError

        try:
            moderator = Moderator(policy, model=model)
        except (PolicyError, FileNotFoundError) as err:
            raise click.ClickException(str(err)) from err
        verdicts = moderator.moderate([c for _, c in fresh], article=parsed.article or None)
        with store.session() as session:
            q.store_verdicts(session, [(a.id, v) for (a, _), v in zip(fresh, verdicts,
                                                                      strict=True)],
                             policy=moderator.policy.name)
        counts: dict[str, int] = {}
        for v in verdicts:
            counts[v.decision] = counts.get(v.decision, 0) + 1
        click.echo("scored: " + ", ".join(f"{n} {d}" for d, n in sorted(counts.items())),
                   err=True)
    store.close()


# --------------------------------------------------------------------------- users


@click.group("user")
def user_cmd() -> None:
    """Manage moderator accounts (who can log in to the web UI)."""


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_cmd.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "moderator"]), default="moderator",
              show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@click.option("--db", help=_DB_HELP)
@click.option("--create", is_flag=True, help=_CREATE_HELP)
def user_add(username: str, role: str, password_stdin: bool, db: str | None,
             create: bool) -> None:
    """Create a moderator account (asks for the password).

    \b
    Example:
      civility user add alice --role admin
      echo 'correct horse battery' | civility user add bob --password-stdin
    """
    from civility.store.accounts import create_moderator

    with _accounts(db, create=create) as session:
        account = create_moderator(session, username, _password(password_stdin), role=role)
    click.echo(f"created {account.role} {account.username!r}")


@user_cmd.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@click.option("--db", help=_DB_HELP)
def user_passwd(username: str, password_stdin: bool, db: str | None) -> None:
    """Set a moderator's password (logs out their sessions)."""
    from civility.store.accounts import set_password

    with _accounts(db) as session:
        set_password(session, username, _password(password_stdin))
    click.echo(f"password changed for {username!r}")


@user_cmd.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Re-enable instead.")
@click.option("--db", help=_DB_HELP)
def user_disable(username: str, enable: bool, db: str | None) -> None:
    """Disable (or --enable) a moderator account; disabling logs them out."""
    from civility.store.accounts import set_active

    with _accounts(db) as session:
        set_active(session, username, enable)
    click.echo(f"{'enabled' if enable else 'disabled'} {username!r}")


@user_cmd.command("list")
@click.option("--db", help=_DB_HELP)
def user_list(db: str | None) -> None:
    """List moderator accounts."""
    from civility.store.accounts import list_moderators

    store = _store(db)
    with store.session() as session:
        for account, active, last in list_moderators(session):
            click.echo(f"{account.username}\t{account.role}\t"
                       f"{'active' if active else 'disabled'}\t"
                       f"last login {last.isoformat() if last else 'never'}")


# --------------------------------------------------------------------------- API keys


@click.group("apikey")
def apikey_cmd() -> None:
    """Manage API keys (for the native, Perspective and OpenAI endpoints)."""


@apikey_cmd.command("create")
@click.argument("name")
@click.option("--scopes", default="score,read", show_default=True,
              help="Comma-separated: score, read, moderate, admin.")
@click.option("--site", default="default", show_default=True, help="The site the key acts for.")
@click.option("--rate", type=float, help="Requests per second (default: the server's).")
@click.option("--db", help=_DB_HELP)
@click.option("--create", is_flag=True, help=_CREATE_HELP)
def apikey_create(name: str, scopes: str, site: str, rate: float | None, db: str | None,
                  create: bool) -> None:
    """Create an API key; it is printed ONCE (only a hash is stored).

    \b
    Example:
      civility apikey create comments-backend --scopes score,read
      curl -H "Authorization: Bearer $KEY" localhost:8000/api/v1/queue
    """
    from civility.store.accounts import create_api_key

    with _accounts(db, create=create) as session:
        key, info = create_api_key(session, name, scopes=scopes, site=site, rate_limit=rate)
    click.echo(key)
    click.echo(f"created key {info.prefix} ({name}; scopes: {' '.join(info.scopes)}; "
               f"site: {info.site}) — store it now, it is not shown again", err=True)


@apikey_cmd.command("list")
@click.option("--db", help=_DB_HELP)
def apikey_list(db: str | None) -> None:
    """List API keys (prefix, name, scopes, site, state)."""
    from civility.store.accounts import list_api_keys

    store = _store(db)
    with store.session() as session:
        for k in list_api_keys(session):
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            click.echo(f"{k.prefix}\t{k.name}\t{','.join(k.scopes)}\t{k.site}\t{state}")


@apikey_cmd.command("revoke")
@click.argument("prefix")
@click.option("--db", help=_DB_HELP)
def apikey_revoke(prefix: str, db: str | None) -> None:
    """Revoke the key with PREFIX (the part after 'civ_'; see 'apikey list')."""
    from civility.store.accounts import revoke_api_key

    with _accounts(db) as session:
        revoke_api_key(session, prefix)
    click.echo(f"revoked {prefix}")


# --------------------------------------------------------------------------- sites


@click.group("site")
def site_cmd() -> None:
    """Manage sites (publishers): decision webhooks, Coral Talk, Perspective compatibility."""


@site_cmd.command("webhook")
@click.argument("site")
@click.argument("url", required=False)
@click.option("--secret", help="HMAC secret (default: generated and printed).")
@click.option("--db", help=_DB_HELP)
@click.option("--create", is_flag=True, help=_CREATE_HELP)
def site_webhook(site: str, url: str | None, secret: str | None, db: str | None,
                 create: bool) -> None:
    """Send every decision on SITE's comments to URL (omit URL to remove the webhook).

    \b
    Requests carry 'X-Civility-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">'.
    Example:
      civility site webhook default https://cms.example.com/civility-hook
    """
    import secrets as _secrets

    from civility.store import queries as q

    if url and not url.startswith(("http://", "https://")):
        raise click.ClickException("the webhook URL must start with http:// or https://")
    secret = secret or (_secrets.token_urlsafe(32) if url else None)
    store = _store(db, create=create)
    with store.session() as session:
        q.set_site_webhook(session, site, url, secret)
    if url:
        click.echo(f"webhook for {site!r}: {url}")
        click.echo(f"secret: {secret}")
    else:
        click.echo(f"webhook removed for {site!r}")


@site_cmd.command("list")
@click.option("--db", help=_DB_HELP)
def site_list(db: str | None) -> None:
    """List sites: webhook, whether compatibility traffic is queued, Coral, communityIds."""
    from civility.store import queries as q

    store = _store(db)
    with store.session() as session:
        communities = q.site_communities(session)
        for s in q.list_sites(session):
            click.echo("\t".join([
                s.name, s.webhook_url or "-",
                "compat:queue" if s.queue_compat else "compat:no-queue",
                "coral:connected" if s.coral_secrets else "coral:-",
                ",".join(communities.get(s.id, [])) or "-"]))


@site_cmd.command("coral")
@click.argument("site")
@click.option("--secret-stdin", is_flag=True,
              help="Read the signing secret(s) from stdin, one per line (else: prompt).")
@click.option("--remove", is_flag=True, help="Disconnect SITE from Coral.")
@click.option("--db", help=_DB_HELP)
@click.option("--create", is_flag=True, help=_CREATE_HELP)
def site_coral(site: str, secret_stdin: bool, remove: bool, db: str | None,
               create: bool) -> None:
    """Connect SITE to Coral Talk's external moderation phase.

    \b
    In Coral: Configure > Moderation > Moderation phases > Add external phase, callback URL
    https://<civility>/integrations/coral/v1/moderate; then give Civility the signing secret
    Coral shows (several lines while Coral keeps a rotated secret valid):
      civility site coral default --secret-stdin < coral-secret.txt
    Requests signed with another secret are refused (403), unsigned ones 401.
    """
    from civility.store import queries as q

    secrets: list[str] | None = None
    if not remove:
        secrets = (sys.stdin.read().splitlines() if secret_stdin else
                   [click.prompt("Coral signing secret", hide_input=True)])
    store = _store(db, create=create)
    with store.session() as session:
        try:
            q.set_site_coral(session, site, secrets)
        except ValueError as err:
            raise click.ClickException(str(err)) from err
    if remove:
        click.echo(f"{site!r} is no longer connected to Coral")
    else:
        n = len({x.strip() for x in secrets or () if x.strip()})
        click.echo(f"{site!r} accepts Coral requests signed with {n} secret"
                   f"{'' if n == 1 else 's'} at /integrations/coral/v1/moderate")


@site_cmd.command("compat")
@click.argument("site")
@click.option("--queue/--no-queue", required=True,
              help="Whether held comments from the Perspective and OpenAI endpoints join the "
                   "review queue.")
@click.option("--db", help=_DB_HELP)
@click.option("--create", is_flag=True, help=_CREATE_HELP)
def site_compat(site: str, queue: bool, db: str | None, create: bool) -> None:
    """Queue (or not) what SITE's clients send to the Perspective and OpenAI endpoints.

    \b
    Off by default: a client that only switched its base URL moderates its comments itself,
    so Civility stores what Perspective clients send with doNotStore=false (history,
    reports, feedback) without queueing it, and stores nothing from the OpenAI endpoint.
    With --queue, both are stored and held ones join the queue, from now on.
    """
    from civility.store import queries as q

    store = _store(db, create=create)
    with store.session() as session:
        q.set_site_queue_compat(session, site, queue)
    click.echo(f"{site!r}: compatibility traffic {'joins' if queue else 'stays out of'} "
               "the review queue")


@site_cmd.command("community")
@click.argument("site")
@click.argument("community_id")
@click.option("--remove", is_flag=True, help="Forget the mapping.")
@click.option("--db", help=_DB_HELP)
@click.option("--create", is_flag=True, help=_CREATE_HELP)
def site_community(site: str, community_id: str, remove: bool, db: str | None,
                   create: bool) -> None:
    """Perspective requests with COMMUNITY_ID (``communityId``) belong to SITE.

    \b
    A request whose communityId belongs to another site than its API key's is refused (403),
    so one community's comments and feedback never land in another site. Coral sends
    "Coral:<its URL>", e.g.:
      civility site community default 'Coral:https://talk.example.com/'
    """
    from civility.store import queries as q

    store = _store(db, create=create)
    with store.session() as session:
        try:
            q.map_community(session, site, community_id, remove=remove)
        except (ValueError, q.NotFound) as err:
            raise click.ClickException(str(err)) from err
    click.echo(f"communityId {community_id!r} {'no longer maps' if remove else 'maps'} to "
               f"{site!r}")


# --------------------------------------------------------------------------- database


@click.group("db")
def db_cmd() -> None:
    """Create the database; see which one the commands use."""


@db_cmd.command("init")
@click.option("--db", help=_DB_HELP)
def db_init(db: str | None) -> None:
    """Create the database (or bring an existing one to the current schema).

    \b
    Without --db: $CIVILITY_DB, else ~/.local/share/civility/civility.db
    ($XDG_DATA_HOME/civility/civility.db), the database every command uses.
    Example:
      civility db init
      civility db init --db postgresql://civility@localhost/civility
    """
    from civility.store import default_url, display_url

    url = db or default_url()
    existed = _exists(url)
    _store(url, create=True).close()
    click.echo(f"{'up to date' if existed else 'created'}: {display_url(url)}")


@db_cmd.command("path")
@click.option("--db", help=_DB_HELP)
def db_path(db: str | None) -> None:
    """Print the database the commands use, and whether it exists yet."""
    from civility.store import default_url, display_url

    url = db or default_url()
    click.echo(display_url(url) + ("" if _exists(url) else "  (not created yet)"))


def _exists(url: str) -> bool:
    from civility.store import is_initialised

    try:
        return is_initialised(url)
    except ImportError:
        raise
    except Exception:  # unreachable server, no such database: the next step says why
        return False


def _first_sentence(text: str, limit: int = 90) -> str | None:
    """A stand-in title for pages without one: moderators recognise an article by its lede."""
    sentence = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0].strip()
    if not sentence:
        return None
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


# --------------------------------------------------------------------------- audit log


@click.group("audit")
def audit_cmd() -> None:
    """Check the audit log (append-only, hash-chained)."""


@audit_cmd.command("verify")
@click.option("--anchor", metavar="HASH",
              help="A head hash printed by an earlier verify: fail unless the log still holds "
                   "it (catches entries cut from the end, or a rebuilt log).")
@click.option("--db", help=_DB_HELP)
def audit_verify(anchor: str | None, db: str | None) -> None:
    """Walk the audit log's hash chain; exit 1 at the first entry that was altered, removed
    or inserted after the fact.

    \b
    Triggers refuse UPDATE, DELETE, REPLACE and TRUNCATE; the chain catches changes made by
    someone who could lift them (a database superuser, or an edit of the SQLite file).
    Record the printed head somewhere the database's admins cannot write, and pass it as
    --anchor later.
    Example:
      civility audit verify
      civility audit verify --anchor 9f2c...e1
    """
    from civility.store import queries as q

    store = _store(db)
    with store.session() as session:
        report = q.verify_audit_log(session, anchor=anchor)
    store.close()
    if not report.ok:
        where = f" at entry {report.broken_id}" if report.broken_id is not None else ""
        raise click.ClickException(f"audit log BROKEN{where}: {report.problem} "
                                   f"({report.entries} entries read)")
    click.echo(f"audit log intact: {report.entries} entries; head {report.head}")
