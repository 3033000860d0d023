"""Server settings: one frozen, validated record, built by ``civility serve`` or by tests.

``Settings(...)`` takes only what it is given, so a test or an embedding application is never
surprised by the environment of the machine it runs on; ``Settings.from_env()`` (what
``civility serve`` and ``uvicorn --factory civility.server.app:create_app`` use) reads every
field from its ``CIVILITY_*`` variable through pydantic-settings. A value that does not parse
is refused with the variable's name (:class:`SettingsError`) instead of being silently replaced
by the default: a typo in ``CIVILITY_RATE_LIMIT`` must not ship a server without rate limits.

The variables are documented in ``docs/SETTINGS.md``, whose table is :func:`markdown_table`
(``python -m civility.server.settings`` prints it; a test keeps the two equal).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from civility.records import MAX_TEXT_CHARS
from civility.store.db import default_url

PREFIX = "CIVILITY_"
#: Fields whose variable is not ``CIVILITY_<FIELD>``: the names the rest of Civility already
#: reads (``CIVILITY_DB``), and uvicorn's own name for trusted proxies as a fallback.
_ENV_NAMES: dict[str, tuple[str, ...]] = {
    "db_url": ("CIVILITY_DB",),
    "trusted_proxies": ("CIVILITY_TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS"),
}


class SettingsError(ValueError):
    """Settings that do not parse, one line naming each variable (``civility serve`` exits 2)."""


class Settings(BaseSettings):
    """Everything the app needs; defaults suit a single-box install.

    ``moderator`` lets a caller hand in a ready :class:`~civility.Moderator` (tests share one);
    otherwise one is built from ``model`` and ``policy`` on startup. It has no variable.
    """

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, frozen=True,
                                      arbitrary_types_allowed=True, extra="forbid",
                                      populate_by_name=True)

    db_url: str = Field("", validation_alias=AliasChoices(*_ENV_NAMES["db_url"]), description=(
        "Database URL or SQLite path; empty: the per-user SQLite file."))
    model: str | None = Field(None, description="Model directory; unset: the packaged model.")
    policy: str | None = Field(None, description="Policy TOML; unset: the packaged news policy.")
    moderator: Any = Field(None, exclude=True, description="A ready Moderator (Python only).")
    screen: bool = Field(True, description=(
        "Let the screen spare the transformer comments it would find benign: `1`/`true`/"
        "`yes`/`on` or `0`/`false`/`no`/`off`; empty means on."))
    max_body_bytes: int = Field(1_000_000, ge=1, description=(
        "Request bodies larger than this get 413."))
    max_batch_comments: int = Field(1000, ge=1, description=(
        "Comments per request (native batch, Perspective/OpenAI list input)."))
    max_comment_chars: int = Field(MAX_TEXT_CHARS, ge=1, description=(
        "Characters per comment; longer texts get 400 (the same limit as `civility score`)."))
    rate_limit: float = Field(100.0, gt=0, description=(
        "Default per-key token bucket: sustained requests per second."))
    rate_burst: float = Field(200.0, gt=0, description="Default per-key token bucket: burst size.")
    batch_window_ms: float = Field(2.0, ge=0, description=(
        "Micro-batching: wait up to this long for more requests to score together."))
    max_batch: int = Field(64, ge=1, description="Comments scored together at most.")
    secret_key: str | None = Field(None, description=(
        "Secret for CSRF tokens; unset: generated once and kept in the database."))
    cookie_secure: bool | None = Field(None, description=(
        "Secure flag on cookies: `auto` (unset) when the request came over https, as a "
        "trusted proxy's X-Forwarded-Proto may say; `1` always, `0` never."))
    trusted_proxies: str = Field(
        "127.0.0.1, ::1", validation_alias=AliasChoices(*_ENV_NAMES["trusted_proxies"]),
        description=("Addresses or networks (comma-separated; `*` any) whose X-Forwarded-Proto "
                     "and X-Forwarded-For are believed: the scheme sets the Secure flag, the "
                     "client address feeds the login throttle."))
    session_hours: float = Field(12.0, gt=0, description="How long a moderator stays logged in.")
    login_hash_slots: int = Field(2, ge=1, description=(
        "Password checks (argon2, 64 MiB each) at once."))
    login_hash_wait_s: float = Field(2.0, ge=0, description=(
        "How long a login waits for a password-check slot before it gets 503."))
    login_failures_per_user: int = Field(10, ge=1, description=(
        "Failed logins allowed per username and address in 5 minutes."))
    login_failures_per_address: int = Field(30, ge=1, description=(
        "Failed logins allowed per address in 5 minutes."))
    key_cache_s: float = Field(1.0, ge=0, description=(
        "How long a process trusts a cached API-key lookup: a key revoked elsewhere (the CLI, "
        "another worker) stops working within this time; 0 checks every request."))
    policy_cache_s: float = Field(1.0, ge=0, description=(
        "Likewise for a site's policy set with `civility policy apply`; 0 reads it for every "
        "batch."))
    webhook_backoff_s: float = Field(2.0, ge=0, description=(
        "Webhook retries: delay = this x 2^attempt, capped."))
    webhook_backoff_max_s: float = Field(600.0, ge=0, description="The cap on that delay.")
    webhook_max_attempts: int = Field(10, ge=1, description="Webhook attempts before giving up.")
    webhook_timeout_s: float = Field(10.0, gt=0, description="Timeout of one webhook POST.")
    webhook_poll_s: float = Field(1.0, gt=0, description=(
        "How often the webhook worker looks for due deliveries."))
    rescore_pending: bool = Field(True, description=(
        "Score comments left pending (their request died, or scoring failed) at startup and "
        "in a periodic sweep."))
    pending_retry_s: float = Field(30.0, gt=0, description=(
        "The sweep retries comments whose latest attempt began this long ago."))
    pending_max_attempts: int = Field(5, ge=1, description=(
        "After this many attempts a pending comment is marked failed."))

    @field_validator("screen", mode="before")
    @classmethod
    def _screen_on_unless_off(cls, value: Any) -> Any:
        """Empty means on (the screen is a speed-up); any other word must be a yes or a no, so
        a typo such as ``CIVILITY_SCREEN=flase`` stops ``serve`` instead of silently meaning on."""
        if isinstance(value, str) and not value.strip():
            return True
        return value

    @field_validator("cookie_secure", mode="before")
    @classmethod
    def _auto_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("", "auto"):
            return None
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_or_networks(cls, value: str) -> str:
        for item in (t.strip() for t in value.split(",")):
            if item and item != "*":
                ipaddress.ip_network(item, strict=False)  # ValueError names the bad item
        return value

    @field_validator("moderator", mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError("must be a Moderator object, not text")
        return value

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: Any,
                                   **_others: Any) -> tuple[Any, ...]:
        """Only the constructor's arguments: the environment is :meth:`from_env`'s."""
        return (init_settings,)

    @property
    def database(self) -> str:
        return self.db_url or default_url()

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Settings from CIVILITY_* environment variables, then explicit overrides (None: not
        given). :class:`SettingsError` names every variable that does not parse."""
        found = EnvSettingsSource(cls)()
        values = {_field_of(key): value for key, value in found.items() if key != "moderator"}
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as err:
            raise SettingsError(_describe(err, set(overrides))) from None


def env_names(field: str) -> tuple[str, ...]:
    """The variables that set ``field``, the first preferred; none for ``moderator``."""
    if field == "moderator":
        return ()
    return _ENV_NAMES.get(field, (f"{PREFIX}{field.upper()}",))


def _field_of(key: str) -> str:
    for field, names in _ENV_NAMES.items():
        if key in names:
            return field
    return key


def _describe(err: ValidationError, given: set[str]) -> str:
    """One line: ``CIVILITY_RATE_LIMIT='fast': Input should be a valid number, ...``."""
    problems = []
    for problem in err.errors(include_url=False):
        field = _field_of(str(problem["loc"][0])) if problem["loc"] else "?"
        names = env_names(field)
        where = field if field in given or not names else names[0]
        problems.append(f"{where}={problem.get('input')!r}: {problem['msg']}")
    return "bad setting: " + "; ".join(problems)


def markdown_table() -> str:
    """The table of ``docs/SETTINGS.md``: every variable, its default and what it does."""
    rows = ["| Variable | Default | What it does |", "| --- | --- | --- |"]
    for field, info in Settings.model_fields.items():
        names = env_names(field)
        if not names:
            continue
        default = info.default
        shown = ("(unset)" if default in (None, "") else
                 f"`{int(default)}`" if isinstance(default, bool) else f"`{default}`")
        also = f" (or `{names[1]}`)" if len(names) > 1 else ""
        rows.append(f"| `{names[0]}`{also} | {shown} | {info.description} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
