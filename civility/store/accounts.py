"""Moderator accounts (argon2 passwords), login sessions and API keys.

API keys are long random secrets, so a SHA-256 of the key is as safe to store as a slow hash
and costs microseconds per request instead of the ~50 ms argon2 would add to every call.
Passwords are low-entropy, so they get argon2id.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from civility.store.models import ApiKey, ModeratorRow, SessionRow, Site
from civility.store.queries import audit, get_site

ROLES = ("admin", "moderator")
#: score: submit comments (native, Perspective, OpenAI); read: comments, queue, reports,
#: audit; moderate: record decisions; admin: everything.
SCOPES = ("score", "read", "moderate", "admin")
DEFAULT_SCOPES = ("score", "read")

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A bad username, role, scope or key; the message says which."""


@dataclass(frozen=True, slots=True)
class ModeratorAccount:
    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: int
    name: str
    site_id: int
    site: str
    prefix: str
    scopes: tuple[str, ...]
    rate_limit: float | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def _account(row: ModeratorRow) -> ModeratorAccount:
    return ModeratorAccount(row.id, row.username, row.role)


# --------------------------------------------------------------------------- moderators


def create_moderator(db: Session, username: str, password: str, *, role: str = "moderator",
                     actor: str = "cli") -> ModeratorAccount:
    username = username.strip()
    if not username or len(username) > 100:
        raise AccountError("username must be 1-100 characters")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if len(password) < 8:
        raise AccountError("password must be at least 8 characters")
    if db.scalar(select(ModeratorRow).where(ModeratorRow.username == username)):
        raise AccountError(f"moderator {username!r} already exists")
    row = ModeratorRow(username=username, password_hash=_hasher.hash(password), role=role,
                       active=True)
    db.add(row)
    db.flush()
    audit(db, actor, "moderator.create", "moderator", username, {"role": role})
    db.commit()
    return _account(row)


def set_password(db: Session, username: str, password: str, *, actor: str = "cli") -> None:
    row = db.scalar(select(ModeratorRow).where(ModeratorRow.username == username))
    if row is None:
        raise AccountError(f"no moderator {username!r}")
    if len(password) < 8:
        raise AccountError("password must be at least 8 characters")
    row.password_hash = _hasher.hash(password)
    db.execute(delete(SessionRow).where(SessionRow.moderator_id == row.id))
    audit(db, actor, "moderator.password", "moderator", username, {})
    db.commit()


def set_active(db: Session, username: str, active: bool, *, actor: str = "cli") -> None:
    row = db.scalar(select(ModeratorRow).where(ModeratorRow.username == username))
    if row is None:
        raise AccountError(f"no moderator {username!r}")
    row.active = active
    if not active:
        db.execute(delete(SessionRow).where(SessionRow.moderator_id == row.id))
    audit(db, actor, "moderator.enable" if active else "moderator.disable", "moderator",
          username, {})
    db.commit()


def list_moderators(db: Session) -> list[tuple[ModeratorAccount, bool, datetime | None]]:
    rows = db.scalars(select(ModeratorRow).order_by(ModeratorRow.username))
    return [(_account(r), r.active, r.last_login_at) for r in rows]


def authenticate(db: Session, username: str, password: str) -> ModeratorAccount | None:
    """The account when the password matches an active moderator, else None (and no hint why)."""
    row = db.scalar(select(ModeratorRow).where(ModeratorRow.username == username))
    if row is None or not row.active:
        _burn_time(password)
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    row.last_login_at = datetime.now(UTC)
    db.commit()
    return _account(row)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(16))


def _burn_time(password: str) -> None:
    """Verify against a dummy hash so unknown usernames take as long as wrong passwords."""
    with contextlib.suppress(VerificationError, InvalidHashError):
        _hasher.verify(_dummy_hash(), password)


# --------------------------------------------------------------------------- sessions


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start_session(db: Session, account: ModeratorAccount, *, hours: float = 12) -> str:
    """A new session token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    db.add(SessionRow(token_hash=_sha(token), moderator_id=account.id, created_at=now,
                      expires_at=now + timedelta(hours=hours)))
    audit(db, account.username, "login", "moderator", account.username, {})
    db.commit()
    return token


def session_account(db: Session, token: str) -> ModeratorAccount | None:
    if not token or len(token) > 200:
        return None
    row = db.get(SessionRow, _sha(token))
    if row is None or row.expires_at <= datetime.now(UTC):
        return None
    mod = db.get(ModeratorRow, row.moderator_id)
    if mod is None or not mod.active:
        return None
    return _account(mod)


def end_session(db: Session, token: str) -> None:
    row = db.get(SessionRow, _sha(token)) if token else None
    if row is None:
        return
    mod = db.get(ModeratorRow, row.moderator_id)
    db.delete(row)
    if mod is not None:
        audit(db, mod.username, "logout", "moderator", mod.username, {})
    db.commit()


# --------------------------------------------------------------------------- API keys


def _parse_scopes(scopes: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    items = scopes.replace(",", " ").split() if isinstance(scopes, str) else list(scopes)
    bad = [s for s in items if s not in SCOPES]
    if bad:
        raise AccountError(f"unknown scope(s) {', '.join(bad)}; known: {', '.join(SCOPES)}")
    if not items:
        raise AccountError("an API key needs at least one scope")
    return tuple(dict.fromkeys(items))


def create_api_key(db: Session, name: str, *, scopes: str | tuple[str, ...] = DEFAULT_SCOPES,
                   site: str = "default", rate_limit: float | None = None,
                   actor: str = "cli") -> tuple[str, KeyInfo]:
    """A new key; the secret is returned once and never stored."""
    parsed = _parse_scopes(scopes)
    if rate_limit is not None and rate_limit <= 0:
        raise AccountError("rate limit must be positive (requests per second)")
    site_row = get_site(db, site, create=True)
    prefix = secrets.token_hex(4)
    while db.scalar(select(ApiKey).where(ApiKey.prefix == prefix)):
        prefix = secrets.token_hex(4)
    key = f"civ_{prefix}_{secrets.token_urlsafe(24)}"
    row = ApiKey(site_id=site_row.id, name=name, prefix=prefix, key_hash=_sha(key),
                 scopes=" ".join(parsed), rate_limit=rate_limit)
    db.add(row)
    db.flush()
    audit(db, actor, "apikey.create", "apikey", prefix,
          {"name": name, "scopes": list(parsed), "site": site_row.name}, site_id=site_row.id)
    db.commit()
    return key, _key_info(row, site_row)


def _key_info(row: ApiKey, site: Site) -> KeyInfo:
    return KeyInfo(row.id, row.name, row.site_id, site.name, row.prefix,
                   tuple(row.scopes.split()), row.rate_limit, row.created_at, row.revoked_at,
                   row.last_used_at)


def check_api_key(db: Session, key: str) -> KeyInfo | None:
    """The key's info when it is valid and not revoked, else None (constant-time compare)."""
    parts = key.split("_") if key.startswith("civ_") else []
    if len(parts) < 3 or len(key) > 200:
        return None
    row = db.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.key_hash, _sha(key)):
        return None
    site = db.get(Site, row.site_id)
    assert site is not None
    return _key_info(row, site)


def list_api_keys(db: Session) -> list[KeyInfo]:
    rows = db.execute(select(ApiKey, Site).join(Site, Site.id == ApiKey.site_id)
                      .order_by(ApiKey.created_at)).all()
    return [_key_info(k, s) for k, s in rows]


def revoke_api_key(db: Session, prefix: str, *, actor: str = "cli") -> None:
    row = db.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None:
        raise AccountError(f"no API key with prefix {prefix!r}")
    row.revoked_at = datetime.now(UTC)
    audit(db, actor, "apikey.revoke", "apikey", prefix, {"name": row.name}, site_id=row.site_id)
    db.commit()
