"""Per-site policies kept in the database (``civility policy apply FILE --site S``).

The server's own policy (``--policy`` / ``$CIVILITY_POLICY``, else the packaged ``news``)
decides for every site that has none. Applying adds a row to ``site_policies`` and an audit
entry with the actor and what changed, in one transaction; nothing else ever changes a
site's policy, so a proposal from ``civility calibrate`` does nothing until an admin
applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from civility.policy import Policy, loads_policy, policy_changes
from civility.store.models import Site, SitePolicy
from civility.store.queries import NotFound, audit


@dataclass(frozen=True, slots=True)
class SitePolicyInfo:
    """One applied version: ``toml`` None means "back to the server's policy"."""

    id: int
    site_id: int
    name: str
    toml: str | None
    actor: str
    created_at: datetime

    def policy(self) -> Policy | None:
        return None if self.toml is None else loads_policy(self.toml, f"site policy #{self.id}")


def _info(row: SitePolicy) -> SitePolicyInfo:
    return SitePolicyInfo(row.id, row.site_id, row.name, row.toml, row.actor, row.created_at)


def current_site_policy(db: Session, site_id: int) -> SitePolicyInfo | None:
    """The version in force for the site, or None when it never had one applied."""
    row = db.scalar(select(SitePolicy).where(SitePolicy.site_id == site_id)
                    .order_by(SitePolicy.id.desc()).limit(1))
    return None if row is None else _info(row)


def site_policy_history(db: Session, site_id: int) -> list[SitePolicyInfo]:
    """Every version applied to the site, newest first."""
    return [_info(r) for r in db.scalars(select(SitePolicy).where(SitePolicy.site_id == site_id)
                                         .order_by(SitePolicy.id.desc()))]


@dataclass(frozen=True, slots=True)
class Applied:
    site: str
    version: SitePolicyInfo
    changes: tuple[str, ...]


def apply_site_policy(db: Session, site: str, toml: str | None, *, actor: str,
                      server_policy: Policy, source: str = "the policy to apply") -> Applied:
    """Make ``toml`` (validated here) the site's policy, or with None hand the site back to
    ``server_policy``; audited with the actor and the changes against the policy it replaces.
    Commits. Raises :class:`~civility.policy.PolicyError` for a policy that cannot be used
    and :class:`NotFound` for an unknown site.
    """
    site_row = db.scalar(select(Site).where(Site.name == site))
    if site_row is None:
        raise NotFound(f"no site named {site!r} (see 'civility site list')")
    new = loads_policy(toml, source) if toml is not None else server_policy
    before = current_site_policy(db, site_row.id)
    old = (before.policy() if before is not None else None) or server_policy
    changes = tuple(policy_changes(old, new))
    row = SitePolicy(site_id=site_row.id, name=new.name, toml=toml, actor=actor,
                     created_at=datetime.now(UTC))
    db.add(row)
    db.flush()
    audit(db, actor, "site.policy", "site", site,
          {"policy": new.name, "version": row.id, "server_policy": toml is None,
           "previous": before.id if before is not None else None, "changes": list(changes)},
          site_id=site_row.id)
    db.commit()
    return Applied(site, _info(row), changes)


__all__ = [
    "Applied",
    "SitePolicyInfo",
    "apply_site_policy",
    "current_site_policy",
    "site_policy_history",
]
