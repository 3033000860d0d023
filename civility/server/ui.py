"""The moderator web UI: server-rendered HTML pages on top of the store's query functions.

Every page works without JavaScript (plain links and POST forms that redirect back);
``static/civility.js`` only adds keyboard shortcuts and in-place actions. Nothing is loaded
from outside the app, so it works offline. All text from comments and articles reaches the
page through Jinja2's autoescaping or :func:`highlight`, which escapes each piece itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, get_args
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from civility import policy
from civility.highlight import joined, runs
from civility.labels import attribute_title, category_label
from civility.records import (
    ATTRIBUTES,
    MODEL_ATTRIBUTES,
    UMBRELLA_ATTRIBUTES,
    GroupCategory,
    Span,
    attribute_rank,
)
from civility.server.deps import get_db
from civility.server.inputs import MAX_ID, in_id_range
from civility.server.security import (
    ModeratorAccount,
    csrf_token,
    current_moderator,
    optional_moderator,
    safe_next,
    verify_csrf,
    wants_json,
)
from civility.store import queries as q
from civility.store.authors import author_history, author_summaries

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"

PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50
ACTIONS = q.ACTIONS
#: The store's statuses (``q.STATUSES``) in the order the thread page offers them.
STATUSES = tuple(sorted(q.STATUSES, key=("review", "publish", "reject", "pending",
                                         "failed").index))
GROUP_CATEGORIES: tuple[str, ...] = get_args(GroupCategory)
#: Scores at or above this are shown in the queue; the rest sit behind "all scores".
SHOWN_SCORE = 0.15
DONE_WORDS = {"publish": "Approved", "reject": "Rejected", "review": "Returned to the queue"}
#: Problems with a form post, shown after redirecting back (``?error=reason``).
FLASH_ERRORS = {"reason": "Nothing was rejected: choose a reason from the list, and say why in "
                          "the note when it is “Other”."}
STATUS_WORDS = {"publish": "Published", "review": "Held", "reject": "Rejected",
                "pending": "Pending", "failed": "Not scored"}
#: What the queue page lists: held comments by default, or any status, or everything.
LIST_STATUSES = {**{s: STATUS_WORDS[s] for s in STATUSES}, "all": "All"}
LIST_NOUNS = {"review": "held comment", "publish": "published comment",
              "reject": "rejected comment", "pending": "pending comment",
              "failed": "comment the model could not score", "all": "comment"}
ORDERS = {"newest": "Newest first", "oldest": "Oldest first", "score": "Highest score first"}
#: Why a moderator rejects. Stored as the decision's reason, ``code`` or ``code: note``, so
#: webhook and API consumers can read the code back.
REJECT_REASONS = {"abusive": "Abusive", "hate": "Hate", "threat": "Threat", "spam": "Spam",
                  "off-topic": "Off-topic", "other": "Other"}
#: Names for the audit log's actions; actions not listed here still show, by their code.
AUDIT_ACTIONS = {
    "comment.decision": "Comment decisions", "login": "Sign-ins", "logout": "Sign-outs",
    "moderator.create": "Accounts created", "moderator.password": "Passwords changed",
    "moderator.enable": "Accounts enabled", "moderator.disable": "Accounts disabled",
    "apikey.create": "API keys created", "apikey.revoke": "API keys revoked",
    "site.webhook": "Webhooks changed", "site.policy": "Site policies applied",
    "author.warn": "Authors warned", "author.premoderate": "Authors premoderated",
    "author.suspend": "Authors suspended", "author.ban": "Authors banned",
    "author.reinstate": "Authors reinstated", "site.rules": "Commenter rules changed",
}

#: No inline script anywhere (config travels in data attributes), so scripts are 'self' only.
#: Inline styles stay allowed: score bars set their width and the charts are inline SVG.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))

Db = Annotated[Session, Depends(get_db)]
User = Annotated[ModeratorAccount, Depends(current_moderator)]
MaybeUser = Annotated[ModeratorAccount | None, Depends(optional_moderator)]


def mount(app: FastAPI) -> None:
    """Serve ``/static`` (the core calls this after including :data:`router`)."""
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")


# ---- pure helpers (also used by the templates) ---------------------------------------------


def highlight(text: str, spans: Iterable[Any] = (), targets: Iterable[Any] = ()) -> Markup:
    """``text`` as HTML with span offsets wrapped in ``<mark>`` and target mentions underlined.

    Offsets index the original text and may overlap or run past its end (stale scorings), so
    the text is cut at every boundary and each piece carries the set of spans covering it;
    neighbouring pieces with the same cover are merged. Every piece is escaped on its own,
    so no markup from the comment can survive.
    """
    n = len(text)
    marks: list[tuple[int, int, str, str]] = []
    for kind, items, label_of in (("hl", spans, lambda s: s.attribute),
                                  ("tgt", targets, lambda t: t.group)):
        for item in items:
            a, b = max(0, min(int(item.start), n)), max(0, min(int(item.end), n))
            if a < b:
                marks.append((a, b, kind, str(label_of(item))))
    if not marks:
        return Markup(escape(text))
    pieces = joined(
        (a, b, (tuple(sorted({label for kind, label in cover if kind == "hl"})),
                tuple(sorted({label for kind, label in cover if kind == "tgt"}))))
        for a, b, cover in runs(n, [(a, b, (kind, label)) for a, b, kind, label in marks]))
    out: list[str] = []
    for a, b, (attrs, groups) in pieces:
        html = str(escape(text[a:b]))
        if groups:
            title = escape("Targets " + ", ".join(groups))
            html = f'<span class="tgt" title="{title}">{html}</span>'
        if attrs:
            title = escape(", ".join(attribute_title(x) for x in attrs))
            html = f'<mark class="hl" title="{title}">{html}</mark>'
        out.append(html)
    return Markup("".join(out))



def score_level(value: float) -> str:
    return "high" if value >= 0.8 else "mid" if value >= 0.5 else "low"


@dataclass(frozen=True, slots=True)
class ScoreRow:
    attribute: str
    label: str
    value: float
    level: str
    percent: int


def score_rows(attributes: dict[str, float]) -> tuple[list[ScoreRow], list[ScoreRow]]:
    """(shown, hidden) score rows, highest first; at least three are shown."""
    rows = [ScoreRow(a, attribute_title(a), float(v), score_level(float(v)),
                     round(max(0.0, min(1.0, float(v))) * 100))
            for a, v in attributes.items()]
    rows.sort(key=lambda r: (-r.value, attribute_rank(r.attribute)))
    cut = max(3, sum(1 for r in rows if r.value >= SHOWN_SCORE))
    return rows[:cut], rows[cut:]


#: Said instead of a highlight when an attribute drove the decision but no words stand out.
NO_SPAN_NOTES = {"off_topic": "Off-topic relative to the article.",
                 "spam": "Looks like spam (judged on the whole comment)."}


@dataclass(frozen=True, slots=True)
class Explained:
    """A comment's text with the evidence for its decision marked, and what has no words."""

    html: Markup
    notes: tuple[str, ...]


def explain(item: Any) -> Explained:
    """Highlight only the spans of the attributes that drove the decision (its reasons).

    A comment held as off-topic may also carry a flagged insult span; marking the insult
    would tell the moderator the wrong story, so spans of attributes the reasons do not name
    stay unmarked, a word-rule phrase is marked where it occurs, and a deciding attribute
    without spans gets a sentence instead. Reasons that name nothing (published comments,
    older scorings) keep every span: then the spans are the only evidence there is.
    """
    text, spans = item.text, list(item.spans)
    drivers = policy.reason_drivers(tuple(getattr(item, "reasons", ()) or ()))
    if not drivers.attributes and not drivers.phrases:
        return Explained(highlight(text, spans, item.targets), ())
    wanted = set(drivers.attributes)
    umbrella = bool(wanted & UMBRELLA_ATTRIBUTES)  # every harm span is evidence for these
    kept = [s for s in spans if s.attribute in wanted
            or (umbrella and s.attribute in MODEL_ATTRIBUTES)]
    for phrase in drivers.phrases:
        kept += [Span(a, b, "word_rule", text[a:b]) for a, b in policy.phrase_spans(text, phrase)]
    # Harm spans share words (the token head gives each one label only), so any harm mark
    # covers every harm attribute; off-topic and spam never have words of their own.
    harm_marked = any(s.attribute in MODEL_ATTRIBUTES for s in kept)
    bare = [a for a in drivers.attributes if not any(s.attribute == a for s in kept)
            and not (a in MODEL_ATTRIBUTES and harm_marked)]
    harm = [attribute_title(a) for a in bare if a not in NO_SPAN_NOTES]
    notes = [NO_SPAN_NOTES[a] for a in bare if a in NO_SPAN_NOTES]
    if harm:
        notes.append(f"{', '.join(harm)}: judged on the whole comment; "
                     "no single words stand out.")
    return Explained(highlight(text, kept, item.targets), tuple(notes))


def compose_reason(code: str, note: str = "") -> str:
    """The stored reason for a rejection: ``code`` or ``code: note`` (ValueError if unusable)."""
    note = " ".join(note.split())[:400]
    if code not in REJECT_REASONS:
        raise ValueError(f"Unknown reason {code!r}.")
    if code == "other" and not note:
        raise ValueError("Say why in the note when the reason is “Other”.")
    return f"{code}: {note}" if note else code


def reason_text(reason: str | None) -> str:
    """A stored reason for people: ``hate: slur`` -> ``Hate — slur``; free text as it is."""
    if not reason:
        return ""
    code, _, note = reason.partition(": ")
    if code in REJECT_REASONS:
        return f"{REJECT_REASONS[code]} — {note}" if note else REJECT_REASONS[code]
    return reason


def fmt_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """Short relative time ("5 min ago"); older than a week shows the date."""
    if value is None:
        return ""
    now = now or datetime.now(UTC)
    seconds = (now - value).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 7 * 86400:
        days = int(seconds // 86400)
        return "yesterday" if days == 1 else f"{days} days ago"
    return value.astimezone(UTC).strftime("%-d %b %Y")


def with_params(path: str, **params: Any) -> str:
    """``path`` with ``params`` set in its query string (``None`` removes a parameter)."""
    parts = urlsplit(path)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in params]
    query += [(k, str(v)) for k, v in params.items() if v is not None]
    return (parts.path + ("?" + urlencode(query) if query else "")
            + ("#" + parts.fragment if parts.fragment else ""))


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_int(value: str | None) -> int | None:
    """An integer the database can hold (|n| <= MAX_ID), else None (ignored, like junk)."""
    try:
        number = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is None or abs(number) <= MAX_ID else None


def _asset_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.glob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


ASSET_VERSION = _asset_version()


def static_url(name: str) -> str:
    """Static file URL with a content hash, so browsers may cache it and still see updates."""
    return f"/static/{name}?v={ASSET_VERSION}"


templates.env.globals.update(
    static_url=static_url, attr_label=attribute_title, category_label=category_label,
    STATUS_WORDS=STATUS_WORDS, DONE_WORDS=DONE_WORDS, ATTRIBUTES=ATTRIBUTES,
)
templates.env.filters.update(ago=ago, fmt_time=fmt_time, attr_label=attribute_title,
                             reason_text=reason_text)
templates.env.globals["highlight"] = highlight
templates.env.globals["explain"] = explain
templates.env.globals["REJECT_REASONS"] = REJECT_REASONS
templates.env.globals["score_rows"] = score_rows
templates.env.globals["with_params"] = with_params


def render(request: Request, name: str, db: Session | None, user: ModeratorAccount | None,
           status_code: int = 200, **context: Any) -> Response:
    """A template with what every page needs: the user, the CSRF token and nav counts."""
    counts: dict[str, int] = {}
    if db is not None and user is not None:
        counts = q.counts_by_status(db)
    context.setdefault("flash", _flash(request))
    context.setdefault("authors", {})  # comment id -> its author's summary (author_line)
    context.setdefault("flash_error", FLASH_ERRORS.get(request.query_params.get("error", ""), ""))
    context.update(user=user, csrf=csrf_token(request), counts=counts,
                   path=request.url.path, here=_here(request))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response


def _flash(request: Request) -> str:
    """The confirmation after a form post redirected back (``?done=publish&n=3``)."""
    done = request.query_params.get("done")
    if done not in DONE_WORDS:
        return ""
    count = max(1, parse_int(request.query_params.get("n")) or 1)
    return f"{DONE_WORDS[done]}: {count} {'comment' if count == 1 else 'comments'}."


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + ("?" + query if query else "")


def _not_found(request: Request, db: Session, user: ModeratorAccount, what: str) -> Response:
    return render(request, "error.html", db, user, status_code=404,
                  title="Not found", message=f"There is no {what} here.")


# ---- pages ---------------------------------------------------------------------------------


@router.get("/")
def home(user: MaybeUser) -> RedirectResponse:
    return RedirectResponse("/queue" if user else "/login", status_code=303)


LOGIN_ERRORS = {"invalid": "That username and password do not match.",
                "csrf": "The form expired. Please sign in again.",
                "throttled": "Too many failed sign-ins. Wait a few minutes and try again.",
                "busy": "The server is busy checking other sign-ins. Try again in a moment."}


def login_form(request: Request, *, next: str = "/queue", error: str = "", username: str = "",
               status_code: int = 200) -> Response:
    """The sign-in page; after a failed attempt it keeps the username the person typed.

    The login POST renders this directly instead of redirecting, so the username never
    travels in a URL (people do type their password into the wrong field).
    """
    message = LOGIN_ERRORS.get(error, "Please sign in again." if error else "")
    return render(request, "login.html", None, None, status_code=status_code,
                  next=safe_next(next), error=message, username=username[:255])


@router.get("/login")
def login_page(request: Request, user: MaybeUser, next: str = "/queue",
               error: str | None = None) -> Response:
    target = safe_next(next)
    if user is not None:
        return RedirectResponse(target, status_code=303)
    return login_form(request, next=target, error=error or "")


@dataclass(frozen=True, slots=True)
class QueueFilters:
    attribute: str | None = None
    group: str | None = None
    category: str | None = None
    article: int | None = None
    since: date | None = None
    until: date | None = None
    search: str | None = None
    order: str = "newest"
    status: str = "review"

    @property
    def active(self) -> bool:
        """Whether anything narrows the list (the status and the order only choose it)."""
        return any((self.attribute, self.group, self.category, self.article, self.since,
                    self.until, self.search))

    def query_kwargs(self) -> dict[str, Any]:
        """Arguments for ``q.review_queue``; ``until`` covers the whole chosen day."""
        return {
            "status": None if self.status == "all" else self.status,
            "attribute": self.attribute, "group": self.group, "category": self.category,
            "article": self.article, "search": self.search, "order": self.order,
            "since": datetime.combine(self.since, time.min, UTC) if self.since else None,
            "until": (datetime.combine(self.until + timedelta(days=1), time.min, UTC)
                      if self.until and self.until < date.max else None),
        }


def queue_filters(attribute: str | None = None, group: str | None = None,
                  category: str | None = None, article: str | None = None,
                  since: str | None = None, until: str | None = None,
                  q: str | None = None, order: str | None = None,
                  status: str | None = None) -> QueueFilters:
    """Filters from the query string; anything malformed is ignored rather than an error."""
    return QueueFilters(
        attribute=attribute if attribute in ATTRIBUTES else None,
        group=(group or "").strip()[:100] or None,
        category=category if category in GROUP_CATEGORIES else None,
        article=parse_int(article),
        since=parse_day(since),
        until=parse_day(until),
        search=(q or "").strip()[:200] or None,
        order=order if order in ORDERS else "newest",
        status=status if status in LIST_STATUSES else "review",
    )


@router.get("/queue")
def queue_page(request: Request, db: Db, user: User,
               filters: Annotated[QueueFilters, Depends(queue_filters)],
               page: str | None = None) -> Response:
    number = max(1, parse_int(page) or 1)
    result = q.review_queue(db, limit=PAGE_SIZE,
                            offset=(number - 1) * PAGE_SIZE, **filters.query_kwargs())
    pages = max(1, -(-result.total // PAGE_SIZE))
    return render(
        request, "queue.html", db, user, page_name="queue", result=result, filters=filters,
        page=number, pages=pages, attributes=ATTRIBUTES, statuses=LIST_STATUSES,
        orders=ORDERS, noun=LIST_NOUNS[filters.status],
        categories=GROUP_CATEGORIES, articles=q.list_articles(db, limit=200),
        groups=q.top_targeted_groups(db, limit=50),
        authors=author_summaries(db, [c.id for c in result.items]),
    )


@router.post("/queue/decide", dependencies=[Depends(verify_csrf)])
def decide(request: Request, db: Db, user: User, action: Annotated[str, Form()],
           ids: Annotated[list[int] | None, Form()] = None,
           next: Annotated[str, Form()] = "/queue",
           reason: Annotated[str, Form()] = "",
           reason_code: Annotated[str, Form()] = "",
           reason_note: Annotated[str, Form()] = "") -> Response:
    """Approve, reject or return (undo) one or many comments.

    A rejection may carry one of :data:`REJECT_REASONS` (``reason_code``) and a note; the
    same forms hold the reason beside the approve button, so other actions ignore it.
    Browsers without JavaScript get a 303 back to where they were; the script asks for JSON
    and updates the page in place.
    """
    as_json = wants_json(request)
    ids = list(dict.fromkeys(ids or []))[:500]
    message = "Unknown action." if action not in ACTIONS else "" if ids else "Nothing selected."
    if not message and action == "reject" and reason_code:
        try:
            reason = compose_reason(reason_code, reason_note)
        except ValueError as err:
            message = str(err)
    if message:
        if as_json:
            return JSONResponse({"error": {"code": 400, "status": "INVALID_ARGUMENT",
                                           "message": message}}, status_code=400)
        problem = "reason" if ids and action in ACTIONS else None
        return RedirectResponse(with_params(safe_next(next), done=None, n=None, error=problem),
                                status_code=303)
    try:
        if not all(in_id_range(i) for i in ids):
            raise q.NotFound("No such comment.")
        if len(ids) == 1:
            records = [q.record_decision(db, ids[0], action, actor=user.username,
                                         reason=reason[:500])]
        else:
            records = q.record_decisions(db, ids, action, actor=user.username,
                                         reason=reason[:500])
    except LookupError as err:
        message = str(err) or "No such comment."
        if as_json:
            return JSONResponse({"error": {"code": 404, "status": "NOT_FOUND",
                                           "message": message}}, status_code=404)
        return _not_found(request, db, user, "comment")
    decided = [r.comment_id for r in records]
    if as_json:
        counts = q.counts_by_status(db)
        noun = "comment" if len(decided) == 1 else "comments"
        return JSONResponse({"action": action, "ids": decided, "queue": counts.get("review", 0),
                             "reason": reason_text(records[0].reason),
                             "message": f"{DONE_WORDS[action]}: {len(decided)} {noun}."})
    return RedirectResponse(with_params(safe_next(next), done=action, n=len(decided),
                                        error=None), status_code=303)


@router.get("/comments/{comment_id}")
def comment_page(request: Request, db: Db, user: User, comment_id: int) -> Response:
    detail = q.comment_detail(db, comment_id) if in_id_range(comment_id) else None
    if detail is None:
        return _not_found(request, db, user, "comment")
    history = (author_history(db, detail.site_id, detail.author, recent=3, actions=3)
               if detail.author else None)
    return render(request, "comment.html", db, user, page_name="queue", c=detail,
                  authors=author_summaries(db, [detail.id]), author=history)


@router.get("/threads")
def threads_page(request: Request, db: Db, user: User, page: str | None = None) -> Response:
    number = max(1, parse_int(page) or 1)
    rows = q.list_articles(db, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    return render(request, "threads.html", db, user, page_name="threads",
                  articles=rows[:PAGE_SIZE], page=number, has_next=len(rows) > PAGE_SIZE)


@router.get("/thread/{article_id}")
def thread_page(request: Request, db: Db, user: User, article_id: int,
                status: str | None = None) -> Response:
    thread = q.thread(db, article_id) if in_id_range(article_id) else None
    if thread is None:
        return _not_found(request, db, user, "article")
    shown = status if status in STATUSES else None
    comments = [c for c in thread.comments if shown is None or c.status == shown]
    return render(request, "thread.html", db, user, page_name="threads", thread=thread,
                  comments=comments, shown=shown, statuses=STATUSES,
                  authors=author_summaries(db, [c.id for c in comments]))


@router.get("/audit")
def audit_page(request: Request, db: Db, user: User, page: str | None = None,
               actor: str | None = None, action: str | None = None) -> Response:
    number = max(1, parse_int(page) or 1)
    actor = (actor or "").strip()[:255] or None
    action = (action or "").strip()[:64] or None
    result = q.audit_log(db, limit=AUDIT_PAGE_SIZE, offset=(number - 1) * AUDIT_PAGE_SIZE,
                         actor=actor, action=action)
    pages = max(1, -(-result.total // AUDIT_PAGE_SIZE))
    known = [*AUDIT_ACTIONS, *q.audit_actions(db), *([action] if action else [])]
    actions = {a: AUDIT_ACTIONS.get(a, a) for a in dict.fromkeys(known)}
    return render(request, "audit.html", db, user, page_name="audit", result=result,
                  page=number, pages=pages, actor=actor or "", action=action or "",
                  actions=actions)


DASHBOARD_RANGES = (7, 30, 90)


@router.get("/dashboard")
def dashboard_page(request: Request, db: Db, user: User, days: str | None = None) -> Response:
    span = parse_int(days) or 30
    span = span if span in DASHBOARD_RANGES else 30
    now = datetime.now(UTC)
    since = datetime.combine(now.date() - timedelta(days=span - 1), time.min, UTC)
    data = dashboard_data(
        per_day=q.decisions_per_day(db, days=span),
        distribution=q.attribute_distribution(db, since=since),
        flagged=q.flagged_attribute_counts(db, since=since),
        groups=q.top_targeted_groups(db, limit=10, since=since),
        articles=q.busiest_articles(db, limit=8, since=since),
        first_day=since.date(), last_day=now.date(),
    )
    from civility.store.calibration import site_labels

    agreed = agreement_data(site_labels(db, None, since), first_day=since.date(),
                            last_day=now.date(), period="day" if span <= 30 else "week")
    return render(request, "dashboard.html", db, user, page_name="dashboard", days=span,
                  ranges=DASHBOARD_RANGES, d=data, agree=agreed)


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Charts (inline SVG from :mod:`civility.charts`) plus the numbers behind them."""

    per_day_svg: Markup
    per_day_rows: list[tuple[date, dict[str, int], dict[str, int]]]  # day, all, human-only
    totals: dict[str, int]
    human_total: int
    distribution_svg: Markup
    flagged_svg: Markup
    flagged: dict[str, int]
    groups_svg: Markup
    groups: list[Any]
    articles_svg: Markup
    articles: list[Any]


def _count(value: float) -> str:
    return f"{value:,.0f}"


def dashboard_data(*, per_day: Sequence[Any], distribution: dict[str, list[int]],
                   flagged: dict[str, int], groups: Sequence[Any], articles: Sequence[Any],
                   first_day: date, last_day: date) -> Dashboard:
    """Turn the store's aggregates into charts; every day in range appears (zeros included)."""
    from civility import charts

    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    every: dict[date, dict[str, int]] = {d: dict.fromkeys(ACTIONS, 0) for d in days}
    human: dict[date, dict[str, int]] = {d: dict.fromkeys(ACTIONS, 0) for d in days}
    for row in per_day:
        if row.day in every and row.action in ACTIONS:
            every[row.day][row.action] += row.count
            if row.source == "human":
                human[row.day][row.action] += row.count
    series = [charts.Series(charts.DECISION_LABELS[a],
                            [(datetime.combine(d, time(12), UTC), every[d][a]) for d in days],
                            colour=charts.DECISION_COLOURS[a], area=False) for a in ACTIONS]
    per_day_svg = charts.time_series(series, title="Decisions per day", y_label="decisions",
                                     chart_id="chart-per-day")
    totals = {a: sum(every[d][a] for d in days) for a in ACTIONS}
    human_total = sum(sum(h.values()) for h in human.values())
    shown = {a: v for a, v in distribution.items() if sum(v)}
    distribution_svg = charts.small_multiples(
        shown or distribution, title="Score distribution per attribute",
        colours=charts.ATTRIBUTE_COLOURS, chart_id="chart-distribution")
    flagged_bars = [charts.Bar(attribute_title(a), n, charts.ATTRIBUTE_COLOURS.get(a))
                    for a, n in sorted(flagged.items(), key=lambda kv: -kv[1]) if n]
    flagged_svg = charts.bar_chart(flagged_bars, title="Comments scoring 0.5 or more",
                                   value_format=_count, chart_id="chart-flagged")
    group_bars = [charts.Bar(g.group, g.count, charts.CATEGORY_COLOURS.get(g.category),
                             note=category_label(g.category)) for g in groups]
    groups_svg = charts.bar_chart(group_bars, title="Most targeted groups",
                                  value_format=_count, chart_id="chart-groups")
    rows = [(a.title or a.external_id,
             {"publish": a.published, "review": a.held, "reject": a.rejected}) for a in articles]
    articles_svg = charts.stacked_bars(rows, title="Busiest articles",
                                       colours=charts.DECISION_COLOURS,
                                       labels=charts.DECISION_LABELS, label_chars=40,
                                       width=900,
                                       chart_id="chart-articles")
    return Dashboard(
        per_day_svg=Markup(per_day_svg),
        per_day_rows=[(d, every[d], human[d]) for d in reversed(days) if any(every[d].values())],
        totals=totals, human_total=human_total,
        distribution_svg=Markup(distribution_svg), flagged_svg=Markup(flagged_svg),
        flagged=flagged, groups_svg=Markup(groups_svg), groups=list(groups),
        articles_svg=Markup(articles_svg), articles=list(articles),
    )


#: Comments listed per side where model and moderators disagreed most.
DISAGREEMENTS_SHOWN = 8


@dataclass(frozen=True, slots=True)
class Disagreement:
    comment_id: int
    text: str
    site: str
    attribute: str
    score: float
    model: str
    actor: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class Agreement:
    """Model against moderators in the dashboard's range (see :mod:`civility.calibrate`)."""

    chart_svg: Markup
    agreed: int
    overruled: int
    held: int
    period: str
    #: People approved what the model rejected or held (highest score first), and rejected
    #: what it published or held (lowest score first).
    approved: list[Disagreement]
    rejected: list[Disagreement]
    sites: int

    @property
    def rate(self) -> float | None:
        decided = self.agreed + self.overruled
        return self.agreed / decided if decided else None


def agreement_data(labels: Sequence[Any], *, first_day: date, last_day: date,
                   period: str = "day") -> Agreement:
    """Agreement per day or week, and the comments model and moderators disagreed most on."""
    from civility import calibrate

    periods = calibrate.agreement(labels, period="week" if period == "week" else "day",
                                  first=first_day, last=last_day)
    approved, rejected = calibrate.disagreements(labels, DISAGREEMENTS_SHOWN)

    def row(label: Any) -> Disagreement:
        attribute, score = calibrate.top_score(label.scores)
        return Disagreement(label.comment_id, label.text, label.site, attribute, score,
                            label.model_decision, label.actor, label.at)

    return Agreement(
        chart_svg=Markup(calibrate.agreement_chart(periods, chart_id="chart-agreement")),
        agreed=sum(p.agreed for p in periods), overruled=sum(p.overruled for p in periods),
        held=sum(p.held for p in periods), period=period,
        approved=[row(x) for x in approved], rejected=[row(x) for x in rejected],
        sites=len({x.site for x in labels}))

