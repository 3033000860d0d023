"""``civility calibrate`` and the per-site side of ``civility policy``: learning a site's
thresholds from its moderators, applying a policy to a site and showing what a site runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from civility.server.cli_store import _DB_HELP, _store
from civility.wording import plural


def _server_policy(path: str | None = None):  # type: ignore[no-untyped-def]
    """The policy the server decides under for sites without their own: ``path``, else
    $CIVILITY_POLICY (what ``civility serve --policy`` sets), else the packaged news one."""
    import os

    from civility.policy import PolicyError, load_policy

    try:
        return load_policy(path or os.environ.get("CIVILITY_POLICY") or None)
    except PolicyError as err:
        raise click.ClickException(str(err)) from err


def _file_slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")[:60] or "site"


@click.command("calibrate")
@click.option("--site", required=True, help="The site whose moderators' decisions to learn from.")
@click.option("--precision", "target", type=click.FloatRange(0, 1, min_open=True),
              default=0.9, show_default=True,
              help="Propose the lowest reject threshold at which moderators rejected at least "
                   "this share of the comments at or above it.")
@click.option("--min-labels", "min_support", type=click.IntRange(1), default=10,
              show_default=True,
              help="Labels needed before anything is proposed: rejections the attribute could "
                   "explain, comments at or above the threshold, and comments between a "
                   "lowered threshold and the old one.")
@click.option("--add-reject", is_flag=True,
              help="Also propose reject thresholds for attributes the policy never rejects on "
                   "alone (e.g. toxicity in the news policy).")
@click.option("--days", type=click.IntRange(1), help="Only labels from the last N days.")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False),
              help="Compare against this policy (default: the site's applied policy, else "
                   "$CIVILITY_POLICY, else the packaged news policy).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="The HTML report (default: calibration-SITE.html).")
@click.option("--proposal", type=click.Path(dir_okay=False),
              help="The proposed policy file (default: SITE-proposed.toml).")
@click.option("--model", type=click.Path(file_okay=False),
              help="Model directory, to score labelled texts never stored here.")
@click.option("--db", help=_DB_HELP)
def calibrate_cmd(site: str, target: float, min_support: int, add_reject: bool,
                  days: int | None, policy: str | None, output: str | None,
                  proposal: str | None, model: str | None, db: str | None) -> None:
    """Compare the model with SITE's moderators and propose thresholds that they agree with.

    \b
    Every moderator approval or rejection, and every Perspective comments:suggestscore
    (Coral sends one per moderator decision), is a label. For each attribute the report
    draws the precision and recall of rejecting at every threshold, and the proposal sets
    the lowest reject threshold reaching --precision. Attributes with too few labels keep
    their threshold, and the report says so. Nothing changes until an admin applies it:
      civility policy apply SITE-proposed.toml --site SITE
    Example:
      civility calibrate --site default --precision 0.9
    """
    from datetime import UTC, datetime, timedelta

    from civility import calibrate as cal
    from civility.policy import PolicyError
    from civility.store import queries as q
    from civility.store.calibration import site_labels
    from civility.store.policies import current_site_policy

    store = _store(db)
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    with store.session() as session:
        try:
            site_row = q.get_site(session, site)
        except q.NotFound as err:
            names = ", ".join(s.name for s in q.list_sites(session)) or "none yet"
            raise click.ClickException(f"{err} (sites: {names})") from err
        applied = current_site_policy(session, site_row.id)
        labels = site_labels(session, site_row.id, since)
    store.close()
    try:
        current = (_server_policy(policy) if policy or applied is None or applied.toml is None
                   else applied.policy())
    except PolicyError as err:
        raise click.ClickException(str(err)) from err
    labels, unscored = _scored_labels(labels, model)
    result = cal.calibrate(labels, current, site=site, target=target, min_support=min_support,
                           add_reject=add_reject, unscored=unscored)
    proposed = cal.propose(current, result)
    slug = _file_slug(site)
    report_path = Path(output or f"calibration-{slug}.html")
    proposal_path = Path(proposal or f"{slug}-proposed.toml")
    periods = cal.agreement(result.labels, period="week")
    try:
        proposal_path.write_text(proposed.to_toml(), encoding="utf-8")
        report_path.write_text(cal.report_html(result, current=current, proposed=proposed,
                                               periods=periods,
                                               proposal_file=str(proposal_path)),
                               encoding="utf-8")
    except OSError as err:
        raise click.ClickException(f"cannot write {err.filename}: {err.strerror}") from err
    for line in cal.summary_lines(result):
        click.echo(line)
    click.echo(f"report: {report_path}")
    click.echo(f"proposed policy: {proposal_path} "
               f"({plural(len(result.changed), 'threshold')} changed)")
    click.echo(f"nothing changes until an admin runs: civility policy apply {proposal_path} "
               f"--site {site}")


def _scored_labels(labels: list[Any], model: str | None) -> tuple[list[Any], int]:
    """Labels with scores: those about texts never stored here are scored now, with the
    model the server would use; without a model they are left out (and counted)."""
    import dataclasses

    todo = [i for i, label in enumerate(labels) if not label.scores and label.text]
    if todo:
        from civility.moderator import Moderator

        try:
            moderator = Moderator(model=model)
        except FileNotFoundError as err:
            click.echo(f"{plural(len(todo), 'labelled text')} left out: no model to score "
                       f"them ({err})", err=True)
        else:
            verdicts = moderator.moderate([labels[i].text for i in todo])
            for i, v in zip(todo, verdicts, strict=True):
                labels[i] = dataclasses.replace(labels[i], scores=v.attributes,
                                                model_version=v.model_version)
    kept = [label for label in labels if label.scores]
    return kept, len(labels) - len(kept)


def policy_apply(path: str | None, site: str, server: bool, actor: str | None,
                 db: str | None) -> None:
    """``civility policy apply``: make PATH SITE's policy (see civility/cli.py)."""
    import getpass

    from civility.policy import PolicyError
    from civility.store import queries as q
    from civility.store.policies import apply_site_policy

    if (path is None) == (not server):
        raise click.UsageError("give a policy FILE, or --server-policy to hand the site back "
                               "to the server's policy")
    text = None
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise click.ClickException(f"cannot read {path}: {err}") from err
    who = actor or f"cli:{getpass.getuser()}"
    store = _store(db)
    with store.session() as session:
        try:
            done = apply_site_policy(session, site, text, actor=who,
                                     server_policy=_server_policy(), source=path or "")
        except (PolicyError, q.NotFound) as err:
            raise click.ClickException(str(err)) from err
    store.close()
    what = "the server's policy" if text is None else f"policy {done.version.name!r}"
    click.echo(f"site {site!r} now decides under {what} (version {done.version.id}, "
               f"audited as {who})")
    for change in done.changes or ("no change in what is decided",):
        click.echo(f"  {change}")


def policy_show_site(site: str, as_toml: bool, db: str | None) -> None:
    """``civility policy show --site``: the policy SITE's comments are decided under."""
    from civility.store import queries as q
    from civility.store.policies import current_site_policy

    store = _store(db)
    with store.session() as session:
        try:
            site_id = q.get_site(session, site).id
        except q.NotFound as err:
            raise click.ClickException(str(err)) from err
        applied = current_site_policy(session, site_id)
    store.close()
    if applied is None or applied.toml is None:
        click.echo(f"site {site!r} has no policy of its own: the server's policy decides",
                   err=True)
        chosen = _server_policy()
    else:
        click.echo(f"site {site!r}: version {applied.id}, applied by {applied.actor} on "
                   f"{applied.created_at:%Y-%m-%d %H:%M} UTC", err=True)
        chosen = applied.policy()
    assert chosen is not None
    click.echo(chosen.to_toml() if as_toml else chosen.describe())
