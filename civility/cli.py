"""The ``civility`` command line.

Commands load lazily so ``civility --help`` is instant and the model is only
read by commands that score. Each command's help says what it reads, what it
writes and shows an example.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from civility.extras import install_hint
from civility.fileformats import RECORD_FORMATS
from civility.wording import plural, rate

if TYPE_CHECKING:
    from civility.batch import Rejected

#: command name -> "module:attribute"; imported only when the command runs.
LAZY_COMMANDS = {
    "moderate": "civility.cli:moderate",
    "score": "civility.cli:score_cmd",
    "policy": "civility.cli:policy_cmd",
    "train": "civility.training.cli:train_cmd",
    "evaluate": "civility.training.cli:evaluate_cmd",
    "serve": "civility.server.cli:serve_cmd",
    "import": "civility.server.cli:import_cmd",
    "user": "civility.server.cli:user_cmd",
    "apikey": "civility.server.cli:apikey_cmd",
    "site": "civility.server.cli:site_cmd",
    "db": "civility.server.cli:db_cmd",
    "audit": "civility.server.cli:audit_cmd",
    "calibrate": "civility.server.cli:calibrate_cmd",
    "report": "civility.report:report_cmd",
}


class LazyGroup(click.Group):
    """Imports a command's module only when it runs; a missing extra becomes an install hint."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except ImportError as err:
            message = install_hint(err, f"'civility {name}'")
            if message is None:
                raise

            @click.command(name, help=f"(unavailable: {err.name} is not installed)")
            def unavailable() -> None:
                raise click.ClickException(message)

            return unavailable

    def invoke(self, ctx: click.Context) -> object:
        # Commands import optional modules (uvicorn, sqlalchemy, torch, pyarrow, ray, ...) only
        # when they need them; this one place turns their absence into the pip command to run.
        try:
            return super().invoke(ctx)
        except ImportError as err:
            command = " ".join(filter(None, ("civility", ctx.invoked_subcommand)))
            message = install_hint(err, f"'{command}'")
            if message is None:
                raise
            raise click.ClickException(message) from err


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="civility")
@click.option(
    "--numerics",
    type=click.Choice(["auto", "int8", "fp32"]),
    help="Arithmetic of the transformer, for every command that scores (default: "
    "$CIVILITY_NUMERICS, else auto: int8 where the CPU has VNNI/AMX/Arm dot product, "
    "fp32 elsewhere; see README 'Speed').",
)
def main(numerics: str | None) -> None:
    """Civility: score, explain and decide news comments.

    \b
    Quick start:
      civility moderate page.txt            # report on a page's comments
      civility score in.jsonl -o out.jsonl  # score a file (JSONL, CSV, Parquet)
      civility report page.txt -o r.html    # an HTML report with charts
      civility serve                        # HTTP API + moderator web UI
      civility policy show                  # the policy in force

    Run 'civility COMMAND --help' for what each command reads and writes.
    """
    if numerics:
        import os

        from civility.numerics import ENV

        os.environ[ENV] = numerics  # so worker processes read the same


_screen_option = click.option(
    "--screen/--no-screen",
    default=True,
    show_default=True,
    help="Let the cheap first pass spare the transformer comments it would find benign "
    "(--no-screen: the transformer reads everything; slower, same decisions on the "
    "held-out sets, see MODEL_CARD.md).",
)


@click.command()
@click.argument("page", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of the report.")
@click.option(
    "--policy",
    type=click.Path(exists=True, dir_okay=False),
    help="Policy TOML (default: the packaged news-site policy).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html", "json"]),
    help="Page format (default: from the extension or the content).",
)
@click.option("--model", type=click.Path(file_okay=False), help="Model directory to use.")
@_screen_option
def moderate(
    page: str, as_json: bool, policy: str | None, fmt: str | None, model: str | None, screen: bool
) -> None:
    """Moderate every comment on a news PAGE (plain text, HTML or JSON; '-' for stdin).

    \b
    The page is split into article, boilerplate and comments; each comment is
    scored, explained and decided under the policy.
    Example:
      civility moderate examples/news-page-with-comments.txt
      civility moderate page.html --json | jq '.comments[] | select(.decision != "publish")'
    """
    from rich.console import Console

    from civility.moderator import Moderator
    from civility.policy import PolicyError
    from civility.read import PageError, read_page
    from civility.terminal import render_report

    try:
        source = sys.stdin.buffer.read() if page == "-" else Path(page)
        parsed = read_page(source, format=fmt)
        moderator = Moderator(policy, model=model, screen=screen)
    except (PageError, PolicyError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from err
    verdicts = moderator.moderate_page(parsed)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "title": parsed.title,
                    "confidence": parsed.confidence,
                    "boilerplate": list(parsed.boilerplate),
                    "model_version": moderator.version,
                    "policy": moderator.policy.name,
                    "comments": [v.to_dict(include_text=True) for v in verdicts],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    render_report(
        verdicts,
        console=Console(),
        title=parsed.title,
        page_confidence=parsed.confidence,
        article_excerpt=parsed.article[:300],
    )


@click.command("score")
@click.argument("input", type=click.Path(allow_dash=True), default="-")
@click.option("-o", "--output", type=click.Path(allow_dash=True), default="-",
              help="Where to write scores (default: JSONL on stdout; a directory for --engine "
                   "ray).")
@click.option("--input-format", type=click.Choice(RECORD_FORMATS),
              help="Input format (default: from the extension; stdin is JSONL).")
@click.option("--output-format", type=click.Choice(RECORD_FORMATS),
              help="Output format (default: from the extension; stdout is JSONL).")
@click.option("--text-column", default="text", show_default=True, help="Field holding the text.")
@click.option("--id-column", help="Field holding the id (default: 'id' if present, else the "
                                  "line/row number).")
@click.option("--article-column", help="Field holding the article text, for off_topic "
                                       "(default: 'article' if present).")
@click.option("--article-id-column", default="article_id", show_default=True,
              help="Field holding the article's id, carried to the output (if present).")
@click.option("--title-column", default="article_title", show_default=True,
              help="Field holding the article's title, carried to the output (if present; "
                   "else the article's first sentence).")
@click.option("--author-column", default="author", show_default=True,
              help="Field holding the comment's author, carried to the output (if present).")
@click.option("--time-column", help="Field holding the comment's time, carried to the output "
                                    "as ISO 8601 (default: the first of created, created_at, "
                                    "timestamp, time, date, posted_at, published_at).")
@click.option("--no-text", is_flag=True,
              help="Leave the comment text out of the output (it is in by default, for "
                   "'civility report'), e.g. to share the scores without the comments; the "
                   "flagged words stay in 'spans'.")
@click.option("--no-author", is_flag=True, help="Leave authors out of the output.")
@click.option("--rejects", type=click.Path(dir_okay=False),
              help="JSONL file for rows that cannot be scored (default: OUTPUT.rejects.jsonl; "
                   "stderr when writing to stdout).")
@click.option("--workers", type=click.IntRange(min=1),
              help="Worker processes, each with its own model copy; together they use "
                   "every core (default: one per core).")
@click.option("--batch-size", default=256, show_default=True, type=click.IntRange(min=1),
              help="Comments per chunk sent to a worker (batched by length within it).")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run from OUTPUT.civility-progress.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar with rate and ETA (default: when stderr is a terminal).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: processes on this machine; ray: Ray Data (Parquet in and out).")
@click.option("--ray-address", help="Ray cluster to join, e.g. ray://head:10001 or 'auto' "
                                    "(default: start a local Ray).")
@click.option("--policy", type=click.Path(exists=True, dir_okay=False), help="Policy TOML.")
@click.option("--model", type=click.Path(file_okay=False), help="Model directory to use.")
@_screen_option
def score_cmd(input: str, output: str, input_format: str | None, output_format: str | None,
              text_column: str, id_column: str | None, article_column: str | None,
              article_id_column: str, title_column: str, author_column: str,
              time_column: str | None, no_text: bool, no_author: bool, rejects: str | None,
              workers: int | None, batch_size: int, resume: bool,
              progress: bool | None, engine: str, ray_address: str | None, policy: str | None,
              model: str | None, screen: bool) -> None:
    """Score a file of comments: JSONL, CSV or Parquet, of any size.

    \b
    Reads rows {"id", "text", "article"?, "article_id"?, "article_title"?,
    "author"?, "created"?} (JSONL lines, CSV columns or Parquet columns; rename
    them with the --*-column options) and writes one result per scored row, in
    input order:
      {"id", "text", "article_id"?, "article_title"?, "author"?, "created"?,
       "attributes": {name: prob}, "targets": [...], "spans": [...],
       "decision": "publish"|"review"|"reject", "reasons": [...]}
    so that 'civility report' on the output can show the comments, per article
    and over time (--no-text / --no-author leave those out).
    CSV output flattens that (one column per attribute, JSON in the others);
    Parquet keeps it nested. Rows that cannot be scored (bad JSON, no text,
    wrong types, a text over 50,000 characters) go to the rejects file with
    their line number.
    A killed run continues with --resume; every row is written exactly once.
    Examples:
      civility score comments.jsonl -o scored.jsonl
      civility score archive.csv -o scored.parquet --text-column body --workers 2
      civility score big.jsonl -o scored.jsonl --resume       # after an interruption
      civility score in.parquet -o out.parquet --engine ray --ray-address auto
    """
    from civility.batch import Columns, FormatError, Job, JobError, make_engine
    from civility.fileformats import record_format
    from civility.policy import PolicyError

    try:
        runner = make_engine(engine, ray_address=ray_address)
    except JobError as err:
        raise click.ClickException(str(err)) from err
    try:
        columns = Columns(text=text_column, id=id_column or "id",
                          article=article_column or "article",
                          id_required=id_column is not None,
                          article_required=article_column is not None,
                          article_id=article_id_column, title=title_column,
                          author=author_column, time=time_column)
        rejects_path = rejects or (None if output == "-" else output + runner.rejects_suffix)
        job = Job(input=input, output=output, input_format=record_format(input, input_format),
                  output_format=record_format(output, output_format), columns=columns,
                  rejects=rejects_path, model=model, policy=policy, workers=workers,
                  chunk_rows=batch_size, resume=resume, screen=screen,
                  omit=("text",) * no_text + ("author",) * no_author)
        _check_scorer(policy, model)
        shown = 0

        def report(item: Rejected) -> None:
            nonlocal shown
            shown += 1
            if rejects_path is None or shown <= 20:
                click.echo(f"line {item.line}: {item.reason} (skipped)", err=True)
            elif shown == 21:
                click.echo(f"... more rejected rows in {rejects_path}", err=True)

        show = sys.stderr.isatty() if progress is None else progress
        summary = runner.run(job, progress=show, on_reject=report)
    except (FormatError, JobError, PolicyError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from err
    except KeyboardInterrupt:
        again = "with --resume to continue" if runner.resumable else "again to redo it"
        click.echo(f"interrupted; run the same command {again}", err=True)
        sys.exit(130)
    if summary.already_complete:
        click.echo(f"nothing to resume: {output} is complete (no {output}.civility-progress)",
                   err=True)
        return
    where = f" (see {summary.rejects_path})" if summary.rejects_path else ""
    resumed = (f", resumed after {plural(summary.resumed_rows, 'row')}"
               if summary.resumed_rows else "")
    speed = rate(summary.scored_now, summary.seconds, "comments")
    click.echo(f"scored {plural(summary.scored, 'comment')}, rejected "
               f"{plural(summary.rejected, runner.row_noun)}{where}{resumed}; "
               f"{summary.seconds:.1f} s, " + (f"{speed}, " if speed else "")
               + plural(summary.workers_used, runner.worker_noun), err=True)


def _check_scorer(policy: str | None, model: str | None) -> None:
    """Fail before any worker starts: a missing model inside a worker is a cryptic crash."""
    from civility.model import model_dir
    from civility.policy import load_policy

    model_dir(model)
    if policy:
        load_policy(policy)


@click.group("policy")
def policy_cmd() -> None:
    """Show, check and apply moderation policies."""


_DB_HELP = "Database URL or SQLite path (default: $CIVILITY_DB, else the per-user database)."


@policy_cmd.command("show")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--toml", "as_toml", is_flag=True, help="Print the policy as TOML.")
@click.option("--site", help="The policy SITE's comments are decided under (from the database).")
@click.option("--db", help=_DB_HELP)
def policy_show(path: str | None, as_toml: bool, site: str | None, db: str | None) -> None:
    """Print the policy in force (the packaged default, PATH, or a site's)."""
    from civility.policy import PolicyError, load_policy

    if site is not None:
        if path is not None:
            raise click.UsageError("give PATH or --site, not both")
        from civility.server.cli import policy_show_site

        policy_show_site(site, as_toml, db)
        return
    try:
        policy = load_policy(path)
    except PolicyError as err:
        raise click.ClickException(str(err)) from err
    click.echo(policy.to_toml() if as_toml else policy.describe())


@policy_cmd.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def policy_check(path: str) -> None:
    """Validate a policy file; exits non-zero with the problem named."""
    from civility.policy import PolicyError, load_policy

    try:
        policy = load_policy(path)
    except PolicyError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"ok: policy {policy.name!r}")


@policy_cmd.command("apply")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--site", required=True, help="The site whose comments it will decide.")
@click.option("--server-policy", "server", is_flag=True,
              help="Instead of a file: hand SITE back to the server's own policy.")
@click.option("--actor", help="Who applies it, for the audit log (default: cli:<login>).")
@click.option("--db", help=_DB_HELP)
def policy_apply(path: str | None, site: str, server: bool, actor: str | None,
                 db: str | None) -> None:
    """Make the policy file PATH the one SITE's new comments are decided under.

    \b
    The file is checked first; the audit log records who applied it and which thresholds
    and rules changed, and every server process follows within a second. Print what is in
    force with 'civility policy show --site SITE --toml' (save it to go back later).
    Example:
      civility calibrate --site default            # writes default-proposed.toml
      civility policy apply default-proposed.toml --site default
      civility policy apply --server-policy --site default
    """
    from civility.server.cli import policy_apply as apply

    apply(path, site, server, actor, db)


if __name__ == "__main__":
    main()
